import { requireAccessToken, requireAcr, requireScope } from '@cloakroom/guard';
import type { AccessTokenClaims, AccessTokenEnv, RequireAcrOptions, TokenBinding } from '@cloakroom/guard';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { OrderStore } from './orders.js';
import { problem } from './problem.js';
import { TRANSFER_RULE, newTransfer, readTransfer } from './transfers.js';

/** Options of {@link createApi}. */
export interface ApiOptions {
  /** The IdP's issuer identifier: the expected `iss`; its discovery document names the JWKS. */
  issuer: string;
  /** This API's resource indicator: the expected `aud`. */
  audience: string;
  /** JWKS location; skips discovery when given. */
  jwksUri?: string;
  /** Seconds of clock skew allowed on `exp`, `nbf`, `iat`; defaults to the guard's 5. */
  clockTolerance?: number;
  /**
   * Origins whose pages may call the API from script with their own bearer token (CORS), such as
   * the token-in-the-browser comparison SPA. Default none: behind the BFF, the API is called
   * server to server.
   */
  corsOrigins?: readonly string[];
  /**
   * Which tokens it takes: default `bearer-or-dpop`, so that a BFF may send bearer tokens or
   * DPoP-bound ones with their proofs (RFC 9449); `dpop` for DPoP-bound ones only.
   */
  tokenBinding?: TokenBinding;
  /**
   * The sign-in a transfer needs (RFC 9470 step-up): one of `acrValues`, at most `maxAge` seconds
   * old. Default: the dev IdP's password-and-one-time-code sign-in (`MFA_ACR` of `@cloakroom/idp`)
   * within the last 5 minutes.
   */
  transferAuthentication?: { acrValues: readonly string[] } & RequireAcrOptions;
}

/** The dev IdP's `MFA_ACR` (api.test.ts checks they agree): the API does not depend on the IdP. */
const DEFAULT_TRANSFER_AUTHENTICATION = { acrValues: ['urn:cloakroom:acr:mfa'], maxAge: 300 };

/** The claims the API relies on: RFC 9068 (`typ: at+jwt`) guarantees `sub`. */
export type ApiClaims = AccessTokenClaims & { readonly sub: string };

/** Hono environment of the API: the validated token is `c.get('token')`. */
export type ApiEnv = AccessTokenEnv<ApiClaims>;

const MAX_ITEM_LENGTH = 200;
/** What a write may send: 16 KB of JSON. */
const limitBody = bodyLimit({ maxSize: 16 * 1024, onError: () => problem(413, 'invalid_request', 'request body too large') });

/** The JSON body of a write, or the problem to answer instead (another media type, no JSON). */
async function jsonBody(c: Context<ApiEnv>, what: string): Promise<{ body: unknown } | { refusal: Response }> {
  if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) {
    return { refusal: problem(415, 'invalid_request', `send the ${what} as application/json`) };
  }
  const body: unknown = await c.req.json().catch(() => undefined);
  return { body };
}

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
 * - `POST /transfers` with `{ to, amount }` → `201` and the transfer; needs `orders:write` and a
 *   recent strong sign-in (`transferAuthentication`), else `401 insufficient_user_authentication`
 */
export function createApi(options: ApiOptions): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const orders = new OrderStore();

  app.use(async (c, next) => {
    await next();
    // Per-user data: never cached by the browser or anything in between.
    c.header('cache-control', 'no-store');
  });

  // Before the token check: a pre-flight carries no token, and a page must be able to read a 401 too.
  if (options.corsOrigins?.length) {
    app.use(
      cors({
        origin: [...options.corsOrigins],
        allowMethods: ['GET', 'POST'],
        allowHeaders: ['authorization', 'content-type'],
        exposeHeaders: ['location', 'www-authenticate'],
      }),
    );
  }

  // Every route, unknown ones included, needs a valid RFC 9068 access token for this API.
  app.use(
    requireAccessToken<ApiClaims>({
      issuer: options.issuer,
      audience: options.audience,
      typ: 'at+jwt',
      tokenBinding: options.tokenBinding ?? 'bearer-or-dpop',
      ...(options.jwksUri !== undefined ? { jwks: { uri: options.jwksUri } } : {}),
      ...(options.clockTolerance !== undefined ? { clockTolerance: options.clockTolerance } : {}),
      onError: (error) => {
        // Refused tokens are the caller's business; not being able to check any is ours.
        if (error.status === 503) console.error('[api] cannot check access tokens:', error.message);
      },
    }),
  );

  app.get('/me', requireScope('orders:read'), (c) => {
    const { sub, scope = '' } = c.get('token');
    return c.json({ sub, scope });
  });

  app.get('/orders', requireScope('orders:read'), (c) => c.json(orders.list(c.get('token').sub)));

  app.get('/orders/:id', requireScope('orders:read'), (c) => {
    const order = orders.get(c.get('token').sub, c.req.param('id'));
    return order ? c.json(order) : problem(404, 'not_found', 'no such order');
  });

  app.post('/orders', requireScope('orders:write'), limitBody, async (c) => {
    const read = await jsonBody(c, 'order');
    if ('refusal' in read) return read.refusal;
    const item = readItem(read.body);
    if (item === undefined) {
      return problem(400, 'invalid_request', `"item" must be a string of 1 to ${MAX_ITEM_LENGTH} characters`);
    }
    const order = orders.create(c.get('token').sub, item);
    return c.json(order, 201, { location: `/orders/${order.id}` });
  });

  // Step-up (RFC 9470): a token of a weaker or older sign-in gets 401 insufficient_user_authentication.
  const { acrValues, ...stepUp } = options.transferAuthentication ?? DEFAULT_TRANSFER_AUTHENTICATION;
  app.post('/transfers', requireScope('orders:write'), requireAcr(acrValues, stepUp), limitBody, async (c) => {
    const read = await jsonBody(c, 'transfer');
    if ('refusal' in read) return read.refusal;
    const transfer = readTransfer(read.body);
    if (transfer === undefined) return problem(400, 'invalid_request', TRANSFER_RULE);
    return c.json(newTransfer(transfer, c.get('token').acr), 201);
  });

  app.notFound(() => problem(404, 'not_found', 'no such route'));
  app.onError((error) => {
    console.error('[api] request failed:', error.message);
    return problem(500, 'internal_error', 'something went wrong');
  });
  return app;
}
