import type { AddressInfo } from 'node:net';
import {
  bffClient,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  startIdp,
  type BffClientOptions,
  type IdpOptions,
  type RunningIdp,
} from '@cloakroom/idp';
import { registry } from '@cloakroom/test-harness';
import { serve } from '@hono/node-server';
import { createBff, type Bff, type BffConfig } from '../src/index.js';
import { memoryLogger } from './memory-logger.js';

type BffSettings = Omit<BffConfig, 'baseUrl' | 'logger'> & { baseUrl?: string };

export interface RunningBff {
  /** Public origin, on `localhost` (the IdP is on 127.0.0.1: another site). */
  origin: string;
  app: Bff;
  logger: ReturnType<typeof memoryLogger>;
  close(): Promise<void>;
}

/**
 * Starts a BFF on a free port; `config` gets the origin, so that the IdP can be told the redirect
 * URIs before the BFF is configured with the IdP's issuer.
 */
export async function startBff(config: (origin: string) => BffSettings | Promise<BffSettings>): Promise<RunningBff> {
  let bindApp!: (app: Bff) => void;
  const bound = new Promise<Bff>((resolve) => (bindApp = resolve));
  const server = serve({ fetch: async (request) => (await bound).fetch(request), port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  const logger = memoryLogger();
  // `baseUrl` defaults to this server's own origin; instances behind one address share theirs.
  const settings = await config(origin);
  const { cookieSecret } = settings;
  for (const secret of typeof cookieSecret === 'string' ? [cookieSecret] : Object.values(cookieSecret))
    registry.record('cookie secret', secret);
  const app = createBff({ baseUrl: origin, ...settings, logger });
  bindApp(app);
  return {
    origin,
    app,
    logger,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const COOKIE_SECRET = 'a-test-cookie-secret-of-at-least-32-chars';
export const ORDERS_RESOURCE = 'https://api.cloakroom.test/orders';
export const REPORTS_RESOURCE = 'https://api.cloakroom.test/reports';

/**
 * A BFF and the real dev IdP that knows it as a client. The BFF's port is taken first, so that the
 * IdP can register its redirect URIs; then the IdP; then the BFF's config, which names the issuer.
 */
export async function startStack(
  apis: (origin: string) => BffConfig['apis'],
  options: { idp?: Omit<IdpOptions, 'port' | 'clients'>; client?: Omit<BffClientOptions, 'origin'>; bff?: Partial<BffConfig> } = {},
): Promise<{ bff: RunningBff; idp: RunningIdp; close(): Promise<void> }> {
  let idp!: RunningIdp;
  const bff = await startBff(async (origin) => {
    idp = await startIdp({ ...options.idp, port: 0, clients: [bffClient({ ...options.client, origin })] });
    return {
      issuer: idp.issuer,
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      cookieSecret: COOKIE_SECRET,
      apis: apis(origin),
      ...options.bff,
    };
  });
  return {
    bff,
    idp,
    async close() {
      await bff.close();
      await idp.close();
    },
  };
}
