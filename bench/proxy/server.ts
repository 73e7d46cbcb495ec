/**
 * One server of the proxy benchmark, run as a child process (pinned to a core by proxy.ts) so that
 * its CPU time is its own. Configured by the JSON in BENCH_SERVER; says `{ type: 'ready', port }`
 * over IPC once it listens, and closes on `{ type: 'stop' }`.
 *
 * - `upstream`: the API behind every proxy: a small JSON answer, `/big` (1 MiB streamed in 16 KiB
 *   chunks), `/sse` (an event at once, another after 200 ms, the end after 400 ms). It remembers the
 *   length of the last `Authorization` header it saw (`{ type: 'stats' }`).
 * - `bare`: `hono/proxy` adding a static bearer token: the floor for a Hono proxy that adds a token.
 * - `cloakroom`: `createBff` with the memory store, the Redis store or stateless cookies.
 * - `express`: Express + express-openid-connect (Auth0's) + http-proxy-middleware, attaching the
 *   session's access token (refreshed when expired, as its README shows).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { serve as honoServe } from '@hono/node-server';
import type { SessionStore } from '@cloakroom/bff';

interface Common {
  port: number;
  upstream: string;
}
type Config =
  | { kind: 'upstream'; port: number }
  | (Common & { kind: 'bare'; token: string })
  | (Common & {
      kind: 'cloakroom';
      origin: string;
      issuer: string;
      clientId: string;
      clientSecret: string;
      resource: string;
      store: 'memory' | 'redis' | 'cookie';
      redisUrl?: string;
    })
  | (Common & { kind: 'express'; origin: string; issuer: string; clientId: string; clientSecret: string; resource: string });

// A timed load run ends in the middle of 1 MiB responses; @hono/node-server logs each such abort.
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  const first = args[0] instanceof Error ? args[0].message : String(args[0]);
  if (first === 'aborted' || first === 'Error: aborted') return;
  consoleError(...args);
};

const config = JSON.parse(process.env.BENCH_SERVER ?? '{}') as Config;
const closers: (() => Promise<void>)[] = [];

export const ORDERS_BODY = JSON.stringify({
  orders: [
    { id: 'o-1001', item: 'hat', quantity: 1, status: 'shipped' },
    { id: 'o-1002', item: 'scarf', quantity: 2, status: 'pending' },
  ],
});
const CHUNK = Buffer.alloc(16 * 1024, 'x');

/** Registers `server` to be closed at exit; answers its port. */
function closedOnExit(server: Server): number {
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return closedOnExit(server);
}

async function upstream(port: number): Promise<number> {
  let lastAuthorization = 0;
  let requests = 0;
  process.on('message', (message: { type?: string }) => {
    if (message.type === 'stats') process.send?.({ type: 'stats', lastAuthorization, requests });
    if (message.type === 'reset') {
      lastAuthorization = 0;
      process.send?.({ type: 'reset' });
    }
  });
  const server = createServer((req, res) => {
    requests += 1;
    lastAuthorization = (req.headers.authorization ?? '').length;
    const path = (req.url ?? '/').split('?')[0];
    if (path?.endsWith('/big')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      let sent = 0;
      const write = () => {
        while (sent < 64) {
          sent += 1;
          if (!res.write(CHUNK)) return void res.once('drain', write);
        }
        res.end();
      };
      return write();
    }
    if (path?.endsWith('/sse')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('data: first\n\n');
      const second = setTimeout(() => res.write('data: second\n\n'), 200);
      const end = setTimeout(() => res.end(), 400);
      res.once('close', () => (clearTimeout(second), clearTimeout(end)));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ORDERS_BODY) }).end(ORDERS_BODY);
  });
  server.keepAliveTimeout = 65_000;
  return listen(server, port);
}

async function bare(settings: Extract<Config, { kind: 'bare' }>): Promise<number> {
  const { Hono } = await import('hono');
  const { proxy } = await import('hono/proxy');
  const { serve } = await import('@hono/node-server');
  const app = new Hono();
  // As hono/proxy's documentation has it: forward the request, drop the cookie, add the bearer.
  app.all('/api/*', (c) => {
    const url = new URL(c.req.url);
    return proxy(`${settings.upstream}${url.pathname.slice('/api'.length)}${url.search}`, {
      ...c.req,
      headers: { ...c.req.header(), cookie: undefined, authorization: `Bearer ${settings.token}` },
    });
  });
  return serveHono(serve, app.fetch, settings.port);
}

type Serve = typeof honoServe;
async function serveHono(serve: Serve, fetch: (request: Request) => Response | Promise<Response>, port: number): Promise<number> {
  const server = serve({ fetch, port, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  return closedOnExit(server);
}

async function cloakroom(settings: Extract<Config, { kind: 'cloakroom' }>): Promise<number> {
  const { createBff } = await import('@cloakroom/bff');
  const { serve } = await import('@hono/node-server');
  let store: SessionStore | 'cookie' | undefined;
  if (settings.store === 'cookie') store = 'cookie';
  if (settings.store === 'redis') {
    const { createClient } = await import('redis');
    const { RedisSessionStore } = await import('@cloakroom/bff/redis');
    const client = createClient({
      ...(settings.redisUrl ? { url: settings.redisUrl } : {}),
      disableOfflineQueue: true,
      commandOptions: { timeout: 5_000 },
    });
    client.on('error', (error: Error) => console.warn('[bench] redis:', error.message));
    await client.connect();
    closers.push(async () => client.destroy());
    store = new RedisSessionStore({ client, secret: 'a-bench-session-store-secret-of-32+-chars' });
  }
  // Every level disabled, as a production logger set to a higher level says (pino's isLevelEnabled).
  const silent = { info() {}, warn() {}, error() {}, isLevelEnabled: () => false };
  const bff = createBff({
    baseUrl: settings.origin,
    issuer: settings.issuer,
    clientId: settings.clientId,
    clientSecret: settings.clientSecret,
    cookieSecret: 'a-bench-cookie-secret-of-at-least-32-chars',
    apis: { orders: { baseUrl: settings.upstream, scopes: ['orders:read', 'orders:write'], resource: settings.resource } },
    ...(store ? { session: { store } } : {}),
    // No log lines: the other servers write none either (the default logs one JSON line per request).
    logger: silent,
  });
  return serveHono(serve, bff.fetch, settings.port);
}

async function express(settings: Extract<Config, { kind: 'express' }>): Promise<number> {
  const { default: expressApp } = await import('express');
  const { auth } = await import('express-openid-connect');
  const { createProxyMiddleware } = await import('http-proxy-middleware');
  const app = expressApp();
  app.use(
    auth({
      issuerBaseURL: settings.issuer,
      baseURL: settings.origin,
      clientID: settings.clientId,
      clientSecret: settings.clientSecret,
      secret: 'a-bench-express-session-secret-of-32+-chars',
      authRequired: true,
      idpLogout: false,
      authorizationParams: {
        response_type: 'code',
        scope: 'openid profile email offline_access orders:read orders:write',
        resource: settings.resource,
      },
    }),
  );
  // The pattern of express-openid-connect's README: refresh an expired token, then call the API.
  app.use('/api', async (req, _res, next) => {
    try {
      let token = req.oidc.accessToken;
      if (token?.isExpired()) token = await token.refresh();
      (req as unknown as { bearer?: string | undefined }).bearer = token?.access_token;
      next();
    } catch (error) {
      next(error);
    }
  });
  app.use(
    '/api',
    createProxyMiddleware({
      target: settings.upstream,
      changeOrigin: true,
      on: {
        proxyReq: (proxyReq, req) => {
          proxyReq.removeHeader('cookie');
          const bearer = (req as unknown as { bearer?: string }).bearer;
          if (bearer) proxyReq.setHeader('authorization', `Bearer ${bearer}`);
        },
      },
    }),
  );
  const server = createServer(app);
  return listen(server, settings.port);
}

async function start(): Promise<number> {
  switch (config.kind) {
    case 'upstream':
      return upstream(config.port);
    case 'bare':
      return bare(config);
    case 'cloakroom':
      return cloakroom(config);
    case 'express':
      return express(config);
    default:
      throw new Error(`unknown server kind in BENCH_SERVER: ${process.env.BENCH_SERVER}`);
  }
}

process.on('message', (message: { type?: string }) => {
  if (message.type !== 'stop') return;
  void Promise.all(closers.map((close) => close())).finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0)); // the benchmark died: do not outlive it

const port = await start();
process.send?.({ type: 'ready', port, pid: process.pid });
