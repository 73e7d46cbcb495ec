/**
 * `@cloakroom/vite`: a Vite plugin that serves the Cloakroom BFF (or any fetch handler) inside
 * Vite's dev server, and `vite preview`, on the app's own origin: the SPA gets hot module
 * replacement, and sign-in comes back to the page it started from.
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Logger, Plugin, PreviewServer, ResolvedServerUrls, ViteDevServer } from 'vite';

/** Anything with a Fetch API handler, such as the Hono app `createBff(config)` returns. */
export interface FetchHandler {
  fetch(request: Request): Response | Promise<Response>;
}

/**
 * Makes the BFF for the origin the browser sees, e.g. `(origin) => createBff({ baseUrl: origin, … })`.
 * Called once per server, at the first request under `basePath`, when the server listens and its
 * port is known.
 */
export type FetchHandlerFactory = (origin: string) => FetchHandler | Promise<FetchHandler>;

/** Options of {@link cloakroom}. */
export interface CloakroomOptions {
  /**
   * The BFF: preferably a factory that gets the server's origin, so that its `baseUrl` (and so its
   * redirect URI, its same-origin checks and where sign-in lands) follows the port Vite actually
   * listens on; or a ready handler whose `baseUrl` you keep equal to the dev server's origin yourself.
   */
  bff: FetchHandler | FetchHandlerFactory;
  /** The path the BFF's routes live under, as in its own config. Default `/bff`. */
  basePath?: string | undefined;
  /**
   * The origin the browser sees, when it is not the server's own: behind a tunnel or a TLS proxy,
   * or in middleware mode. Default: the server's local URL as Vite prints it, e.g.
   * `http://localhost:5173`.
   */
  origin?: string | undefined;
}

type Server = ViteDevServer | PreviewServer;

/**
 * The Vite plugin. Requests for `basePath` and below (`/bff`, `/bff/login`, …) go to the BFF before
 * any of Vite's own middleware (after its host check and CORS headers); everything else is Vite's.
 * It works in `vite` (dev) and `vite preview`, and does nothing in `vite build`.
 *
 * ```ts
 * // vite.config.ts
 * import { createBff } from '@cloakroom/bff';
 * import { cloakroom } from '@cloakroom/vite';
 *
 * export default defineConfig({
 *   plugins: [react(), cloakroom({ bff: (origin) => createBff({ baseUrl: origin, … }) })],
 *   server: { port: 3000, strictPort: true }, // the redirect URI registered at the IdP names this port
 * });
 * ```
 */
export function cloakroom(options: CloakroomOptions): Plugin {
  const basePath = normalizeBasePath(options.basePath ?? '/bff');
  const origin = options.origin === undefined ? undefined : new URL(options.origin).origin;
  return {
    name: '@cloakroom/vite',
    configureServer(server) {
      mount(server, { ...options, basePath, origin });
    },
    configurePreviewServer(server) {
      mount(server, { ...options, basePath, origin });
    },
  };
}

function normalizeBasePath(basePath: string): string {
  const trimmed = basePath.replace(/\/+$/, '');
  if (!trimmed.startsWith('/') || trimmed === '')
    throw new TypeError(`@cloakroom/vite: basePath must be a path such as /bff, not ${JSON.stringify(basePath)}`);
  return trimmed;
}

/** Whether `url` (a request target such as `/bff/login?x`) is `basePath` or below it. */
export function isUnder(url: string | undefined, basePath: string): boolean {
  if (url === undefined || !url.startsWith(basePath)) return false;
  const next = url.charAt(basePath.length);
  return next === '' || next === '/' || next === '?' || next === '#';
}

/**
 * The origin the browser uses for this server: the first local URL Vite resolved once listening
 * (what it prints, e.g. `http://localhost:5174/` when 5173 was taken), else the first network one.
 */
export function serverOrigin(urls: ResolvedServerUrls | null | undefined): string | undefined {
  const url = urls?.local[0] ?? urls?.network[0];
  return url === undefined ? undefined : new URL(url).origin;
}

function mount(server: Server, options: CloakroomOptions & { basePath: string; origin: string | undefined }): void {
  const logger: Logger = server.config.logger;
  let handler: Promise<FetchHandler> | undefined;
  let origin: string | undefined;
  const warnedHosts = new Set<string>();
  // Known once the server listens (so after Vite moved to another port if this one was taken).
  const resolveOrigin = (): string | undefined => (origin ??= options.origin ?? serverOrigin(server.resolvedUrls));

  const load = (): Promise<FetchHandler> => {
    if (handler) return handler;
    const origin = resolveOrigin();
    const bff = options.bff;
    if (typeof bff !== 'function') return (handler = Promise.resolve(bff));
    if (origin === undefined) {
      return Promise.reject(new Error('cannot tell the origin the browser sees (middleware mode?): set the `origin` option'));
    }
    const made = Promise.resolve(origin).then(bff);
    handler = made;
    // A factory that failed (a ConfigError, say) is tried again at the next request, not cached.
    made.catch(() => {
      if (handler === made) handler = undefined;
    });
    return made;
  };

  const listener = getRequestListener(
    async (request) => {
      try {
        return await (await load()).fetch(request);
      } catch (error) {
        // The BFF answers its own errors; this is one outside it, e.g. a factory that threw.
        const message = error instanceof Error ? error.message : String(error);
        logger.error(`[@cloakroom/vite] ${message}`, { timestamp: true, ...(error instanceof Error ? { error } : {}) });
        return new Response(`@cloakroom/vite: ${message}\n`, { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' } });
      }
    },
    // Leave the process's Request and Response alone: Vite and other plugins share them.
    { overrideGlobalObjects: false },
  );

  server.middlewares.use((req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => {
    if (!isUnder(req.url, options.basePath)) return next();
    warnOnOtherHost(req);
    listener(req, res).catch(next);
  });

  /**
   * Sign-in ends on the BFF's origin (its redirect URI), so a page opened under another name for the
   * same server (127.0.0.1 rather than localhost) is moved there on the way: say so once. A proxy's
   * `X-Forwarded-Host` counts as the host the browser used, as it does for the BFF.
   */
  function warnOnOtherHost(req: IncomingMessage): void {
    const forwarded = req.headers['x-forwarded-host'];
    const host = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim() || req.headers.host;
    const origin = resolveOrigin();
    if (origin === undefined || host === undefined || warnedHosts.has(host)) return;
    const expected = new URL(origin).host;
    if (host === expected) return;
    warnedHosts.add(host);
    logger.warn(
      `[@cloakroom/vite] ${options.basePath} was called on ${host}, but the BFF runs for ${origin}: sign-in lands there. Open ${origin} instead.`,
      { timestamp: true },
    );
  }
}
