import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MemorySessionStore } from '@cloakroom/bff';
import { startDemoBff, type RunningDemo } from '@cloakroom/demo-bff';
import { startApi, type RunningApi } from '@cloakroom/demo-api';
import { bffClient, ORDERS_API, startIdp, type RunningIdp } from '@cloakroom/idp';
import { startViteDemo } from './vite-demo.js';

/** The whole demo stack, in this process, on free ports; the tests can look into its session store. */
export interface Stack {
  idp: RunningIdp;
  api: RunningApi;
  app: RunningDemo;
  store: MemorySessionStore;
  /** Every line the BFF logged. */
  log: string[];
  close(): Promise<void>;
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
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
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const appPort = await freePort();
  const idp = await startIdp({
    port: 0,
    clients: [bffClient({ origin: `http://localhost:${appPort}` })],
    ...(options.accessTokenTtl ? { accessTokenTtl: options.accessTokenTtl } : {}),
  });
  const api = await startApi({ port: 0, issuer: idp.issuer, audience: ORDERS_API });
  const store = new MemorySessionStore();
  const log: string[] = [];
  const write = (message: string, fields?: Record<string, unknown>) => void log.push(JSON.stringify({ message, ...fields }));
  const logger = { info: write, warn: write, error: write };
  const lifetimes = {
    ...(options.idleTimeout ? { idleTimeout: options.idleTimeout } : {}),
    ...(options.absoluteLifetime ? { absoluteLifetime: options.absoluteLifetime } : {}),
  };
  const demo = { issuer: idp.issuer, apiUrl: api.url, bff: { session: { store, ...lifetimes }, logger } };
  const app = options.server === 'vite' ? await startViteDemo(appPort, demo) : await startDemoBff({ port: appPort, ...demo });
  return {
    idp,
    api,
    app,
    store,
    log,
    async close() {
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
    const accessTokens = Object.fromEntries(Object.entries(session.accessTokens).map(([resource, token]) => [resource, { ...token, expiresAt: 0 }]));
    await stack.store.set({ ...session, refreshToken: 'revoked-at-the-idp', accessTokens }, 3600);
  }
}
