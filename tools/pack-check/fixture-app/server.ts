// A user's server: the BFF and a resource API behind @cloakroom/guard, in one Hono app.
import { createBff, MemorySessionStore, type BffConfig } from '@cloakroom/bff';
import type { RedisSessionStoreOptions } from '@cloakroom/bff/redis';
import { requireAccessToken, requireScope, type AccessTokenEnv } from '@cloakroom/guard';
import { Hono } from 'hono';

const config: BffConfig = {
  baseUrl: 'https://app.example.com',
  issuer: 'https://login.example.com',
  clientId: 'my-app',
  clientSecret: process.env.CLIENT_SECRET ?? '',
  cookieSecret: process.env.COOKIE_SECRET ?? '',
  apis: { orders: { baseUrl: 'https://orders.internal.example.com', scopes: ['orders:read'] } },
  session: { store: new MemorySessionStore() },
};

export function redisOptions(options: RedisSessionStoreOptions): RedisSessionStoreOptions {
  return options;
}

const orders = new Hono<AccessTokenEnv>();
orders.use(requireAccessToken({ issuer: config.issuer, audience: 'https://api.example.com/orders', typ: 'at+jwt' }));
orders.get('/orders', requireScope('orders:read'), (c) => c.json({ for: c.get('token').sub, orders: [] }));

export const app = new Hono();
app.route('/', createBff(config));
app.route('/orders-api', orders);
