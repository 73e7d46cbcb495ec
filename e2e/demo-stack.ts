import { MemorySessionStore, type Logger } from '@cloakroom/bff';
import { startDemoBff, type RunningDemo } from '@cloakroom/demo-bff';
import { startApi, type RunningApi } from '@cloakroom/demo-api';
import { bffClient, ORDERS_API, publicSpaClient, startIdp, type RunningIdp } from '@cloakroom/idp';
import { freePort } from '@cloakroom/test-harness/loopback';
import { startTokenSpa } from './token-spa.js';
import { startViteDemo } from './vite-demo.js';

/** The whole demo stack, in this process, on free ports; the tests can look into its session store. */
export interface Stack {
  idp: RunningIdp;
  api: RunningApi;
  app: RunningDemo;
  /** The token-in-the-browser comparison app, with `tokenSpa: true`. */
  tokenSpa?: RunningDemo | undefined;
  store: MemorySessionStore;
  /** Every line the BFF logged. */
  log: string[];
  /** The BFF's logger, which writes to `log`: for another BFF a test starts beside the stack. */
  logger: Logger;
  close(): Promise<void>;
}

/**
 * IdP on 127.0.0.1 and app on localhost: two different sites, as in real life, so the browser
 * applies its SameSite rules for real.
 */
export interface StackOptions {
  accessTokenTtl?: number;
  /** Session lifetimes of the BFF, in seconds. */
  idleTimeout?: number;
  absoluteLifetime?: number;
  /**
   * Where the app runs: `'static'` (default), the built SPA served with the BFF by apps/bff
   * (`pnpm start`); `'vite'`, Vite's dev server with the BFF inside it (`pnpm dev`).
   */
  server?: 'static' | 'vite';
  /**
   * Also start apps/token-spa, the app that keeps its tokens in the browser with oidc-client-ts, on
   * its own origin: a public client at the IdP, and allowed by the API's CORS.
   */
  tokenSpa?: boolean;
}

export async function startDemoStack(options: StackOptions = {}): Promise<Stack> {
  const appPort = await freePort();
  const tokenSpaPort = options.tokenSpa ? await freePort() : undefined;
  const tokenSpaOrigins = tokenSpaPort ? [`http://localhost:${tokenSpaPort}`] : [];
  const idp = await startIdp({
    port: 0,
    clients: [bffClient({ origin: `http://localhost:${appPort}` }), ...tokenSpaOrigins.map((origin) => publicSpaClient({ origin }))],
    ...(options.accessTokenTtl ? { accessTokenTtl: options.accessTokenTtl } : {}),
  });
  const api = await startApi({ port: 0, issuer: idp.issuer, audience: ORDERS_API, corsOrigins: tokenSpaOrigins });
  const store = new MemorySessionStore();
  const log: string[] = [];
  const write = (message: string, fields?: Record<string, unknown>) => void log.push(JSON.stringify({ message, ...fields }));
  const logger: Logger = { info: write, warn: write, error: write };
  const lifetimes = {
    ...(options.idleTimeout ? { idleTimeout: options.idleTimeout } : {}),
    ...(options.absoluteLifetime ? { absoluteLifetime: options.absoluteLifetime } : {}),
  };
  const demo = { issuer: idp.issuer, apiUrl: api.url, bff: { session: { store, ...lifetimes }, logger } };
  const app = options.server === 'vite' ? await startViteDemo(appPort, demo) : await startDemoBff({ port: appPort, ...demo });
  const tokenSpa = tokenSpaPort ? await startTokenSpa(tokenSpaPort, { issuer: idp.issuer, apiUrl: api.url }) : undefined;
  return {
    idp,
    api,
    app,
    tokenSpa,
    store,
    log,
    logger,
    async close() {
      await tokenSpa?.close();
      await app.close();
      await api.close();
      await idp.close();
    },
  };
}

/**
 * Makes every session of `sub` unable to get a token, as when the IdP has revoked the refresh token:
 * its access tokens count as expired and its refresh token is one the IdP never issued. The next
 * proxied call then ends in `401 session_expired`.
 */
export async function expireSessions(stack: Stack, sub: string): Promise<void> {
  for (const id of await stack.store.idsBySub(sub)) {
    const session = (await stack.store.get(id))!;
    const accessTokens = Object.fromEntries(
      Object.entries(session.accessTokens).map(([resource, token]) => [resource, { ...token, expiresAt: 0 }]),
    );
    await stack.store.set({ ...session, refreshToken: 'revoked-at-the-idp', accessTokens }, 3600);
  }
}
