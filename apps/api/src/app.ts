import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { accessTokens } from './access-token.js';
import type { AccessTokenEnv, AccessTokenOptions } from './access-token.js';
import { OrderStore } from './orders.js';
import { problem } from './problem.js';

/** Options of {@link createApi}. */
export type ApiOptions = AccessTokenOptions;

const MAX_ITEM_LENGTH = 200;

function readItem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || !('item' in body)) return undefined;
  const { item } = body;
  if (typeof item !== 'string') return undefined;
  const trimmed = item.trim();
  return trimmed.length >= 1 && trimmed.length <= MAX_ITEM_LENGTH ? trimmed : undefined;
}

/**
 * The demo orders API as a Hono app. Every route needs a JWT access token for `audience` from
 * `issuer`: `orders:read` to read, `orders:write` to create. Orders are kept in memory per `sub`.
 *
 * - `GET /me` → `{ sub, scope }` of the token
 * - `GET /orders` → the caller's orders
 * - `GET /orders/:id` → one of the caller's orders
 * - `POST /orders` with `{ item }` (1–200 characters) → `201` and the order
 */
export function createApi(options: ApiOptions): Hono<AccessTokenEnv> {
  const app = new Hono<AccessTokenEnv>();
  const tokens = accessTokens(options);
  const orders = new OrderStore();

  app.use(async (c, next) => {
    await next();
    // Per-user data: never cached by the browser or anything in between.
    c.header('cache-control', 'no-store');
  });

  app.get('/me', tokens.require('orders:read'), (c) => {
    const { sub, scope = '' } = c.get('accessToken');
    return c.json({ sub, scope });
  });

  app.get('/orders', tokens.require('orders:read'), (c) => c.json(orders.list(c.get('accessToken').sub)));

  app.get('/orders/:id', tokens.require('orders:read'), (c) => {
    const order = orders.get(c.get('accessToken').sub, c.req.param('id'));
    return order ? c.json(order) : problem(404, 'not_found', 'no such order');
  });

  app.post(
    '/orders',
    tokens.require('orders:write'),
    bodyLimit({ maxSize: 16 * 1024, onError: () => problem(413, 'invalid_request', 'request body too large') }),
    async (c) => {
      if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
        return problem(415, 'invalid_request', 'send the order as application/json');
      }
      const body: unknown = await c.req.json().catch(() => undefined);
      const item = readItem(body);
      if (item === undefined) {
        return problem(400, 'invalid_request', `"item" must be a string of 1 to ${MAX_ITEM_LENGTH} characters`);
      }
      const order = orders.create(c.get('accessToken').sub, item);
      return c.json(order, 201, { location: `/orders/${order.id}` });
    },
  );

  app.notFound(() => problem(404, 'not_found', 'no such route'));
  app.onError((error) => {
    console.error('[api] request failed:', error.message);
    return problem(500, 'internal_error', 'something went wrong');
  });
  return app;
}
