import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { appSecurityHeaders, createBff, type ApiTokenBinding, type BffConfig } from '@cloakroom/bff';
// The demo's client at the embedded dev IdP; a real deployment configures its own.
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, ORDERS_API } from '@cloakroom/idp/demo';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

/** The built SPA (apps/web/dist). */
export const webDist = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Demo defaults: the embedded IdP on 127.0.0.1:4000, the demo API on 127.0.0.1:4001. */
export interface DemoOptions {
  /** Port on localhost; 0 picks a free one. Default 3000. */
  port?: number;
  issuer?: string;
  apiUrl?: string;
  clientId?: string;
  clientSecret?: string;
  cookieSecret?: BffConfig['cookieSecret'];
  /** How the orders token is bound: `dpop` for DPoP-bound tokens with proofs (RFC 9449). Default `bearer`. */
  tokenBinding?: ApiTokenBinding;
  /** Overrides for anything else in the BFF config. */
  bff?: Partial<BffConfig>;
}

export const DEMO_DEFAULTS = {
  issuer: 'http://127.0.0.1:4000',
  apiUrl: 'http://127.0.0.1:4001',
  clientId: DEMO_CLIENT_ID,
  clientSecret: DEMO_CLIENT_SECRET,
  // A development secret only: set COOKIE_SECRET (32+ characters) anywhere real.
  cookieSecret: 'cloakroom-demo-cookie-secret-not-for-production',
  ordersResource: ORDERS_API,
};

/**
 * The demo's settings from the environment, shared by the static server (`src/main.ts`) and the Vite
 * dev server (`apps/web/vite.config.ts`): `IDP_ISSUER`, `API_URL`, `CLIENT_SECRET`, `COOKIE_SECRET`
 * (comma-separated to rotate), `API_TOKEN_BINDING` (`dpop` or `bearer`). The port is each server's own business.
 */
export function demoOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): DemoOptions {
  return {
    ...(env.IDP_ISSUER ? { issuer: env.IDP_ISSUER } : {}),
    ...(env.API_URL ? { apiUrl: env.API_URL } : {}),
    ...(env.CLIENT_SECRET ? { clientSecret: env.CLIENT_SECRET } : {}),
    ...(env.COOKIE_SECRET ? { cookieSecret: env.COOKIE_SECRET.split(',') } : {}),
    ...(env.API_TOKEN_BINDING ? { tokenBinding: env.API_TOKEN_BINDING as ApiTokenBinding } : {}),
  };
}

/** The demo's BFF config for an app served at `baseUrl`. */
export function demoBffConfig(baseUrl: string, options: DemoOptions = {}): BffConfig {
  return {
    baseUrl,
    issuer: options.issuer ?? DEMO_DEFAULTS.issuer,
    clientId: options.clientId ?? DEMO_DEFAULTS.clientId,
    clientSecret: options.clientSecret ?? DEMO_DEFAULTS.clientSecret,
    cookieSecret: options.cookieSecret ?? DEMO_DEFAULTS.cookieSecret,
    apis: {
      orders: {
        baseUrl: options.apiUrl ?? DEMO_DEFAULTS.apiUrl,
        scopes: ['orders:read', 'orders:write'],
        resource: DEMO_DEFAULTS.ordersResource,
        tokenBinding: options.tokenBinding,
        // Exactly what apps/web calls: a script injected into the page reaches nothing else of the API.
        routes: ['GET /orders', 'POST /orders', 'POST /transfers'],
      },
    },
    ...options.bff,
  };
}

/** One origin for both: the BFF under /bff and the SPA everywhere else (index.html as the fallback). */
export function createDemoApp(baseUrl: string, options: DemoOptions = {}): Hono {
  const app = new Hono();
  app.route('/', createBff(demoBffConfig(baseUrl, options)));
  // The SPA's pages get the headers the BFF's routes have (a strict CSP, no framing, nosniff).
  app.use('*', appSecurityHeaders());
  app.use('*', serveStatic({ root: webDist }));
  app.get('*', serveStatic({ root: webDist, path: 'index.html' }));
  return app;
}

export interface RunningDemo {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the demo BFF on http://localhost:{port}. */
export async function startDemoBff(options: DemoOptions = {}): Promise<RunningDemo> {
  // The app needs its public URL, which needs the port, which needs the server: bind the app last.
  let bindApp!: (app: Hono) => void;
  const app = new Promise<Hono>((resolve) => (bindApp = resolve));
  const server = serve({ fetch: async (request) => (await app).fetch(request), port: options.port ?? 3000, hostname: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  const { port } = server.address() as AddressInfo;
  // The public URL is localhost, a different site from the IdP's 127.0.0.1, as in real life.
  const url = `http://localhost:${port}`;
  bindApp(createDemoApp(url, options));
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
