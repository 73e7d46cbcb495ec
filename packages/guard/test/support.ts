import { DEFAULT_RESOURCE_SERVERS, DEMO_CLIENT_ID, bffClient, generateSigningKey, startIdp } from '@cloakroom/idp';
import type { ClientMetadata, IdpOptions, RunningIdp } from '@cloakroom/idp';
import { Hono } from 'hono';
import { SignJWT, importJWK } from 'jose';
import type { JWTPayload } from 'jose';
import { expect } from 'vitest';
import { requireAccessToken, requireScope } from '../src/index.js';
import type { AccessTokenEnv, AccessTokenOptions } from '../src/index.js';

/** A resource server whose access tokens are opaque: only introspection can tell what they are. */
export const LEDGER_API = 'https://api.cloakroom.test/ledger';

/** A second opaque resource server, for tokens of the wrong audience. */
export const ARCHIVE_API = 'https://api.cloakroom.test/archive';

/** The ledger API's own credentials at the IdP, for introspection. */
export const LEDGER_CLIENT = { clientId: 'ledger-api', clientSecret: 'ledger-api-dev-secret-0123456789abcdef' };

/** Client metadata of a resource server: no grants, it only introspects. */
export const LEDGER_CLIENT_METADATA: ClientMetadata = {
  client_id: LEDGER_CLIENT.clientId,
  client_secret: LEDGER_CLIENT.clientSecret,
  grant_types: [],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_basic',
};

/** IdP options with the demo BFF, the ledger API as a client, and the opaque resource servers. */
export function idpOptions(options: IdpOptions = {}): IdpOptions {
  return {
    port: 0,
    clients: [bffClient({ origin: 'http://localhost:3000' }), LEDGER_CLIENT_METADATA],
    resourceServers: {
      ...DEFAULT_RESOURCE_SERVERS,
      [LEDGER_API]: { scope: 'ledger:read ledger:write', accessTokenFormat: 'opaque' },
      [ARCHIVE_API]: { scope: 'archive:read', accessTokenFormat: 'opaque' },
    },
    ...options,
  };
}

/** The dev IdP with a signing key the test holds, so that it can sign tokens the IdP's JWKS vouches for. */
export async function startTestIdp(options: IdpOptions = {}): Promise<{ idp: RunningIdp; signingKey: Record<string, unknown> }> {
  const signingKey = generateSigningKey();
  const idp = await startIdp(idpOptions({ signingKeys: [signingKey], ...options }));
  return { idp, signingKey };
}

/**
 * Restarts `idp` on its port with `options`. The failed request in between also drops any kept-alive
 * connection to the old server from the shared pool.
 */
export async function restartIdp(idp: RunningIdp, options: IdpOptions = {}): Promise<RunningIdp> {
  await idp.close();
  await expect(fetch(`${idp.issuer}/jwks`)).rejects.toThrow();
  return startIdp(idpOptions({ ...options, port: idp.port }));
}

/** Claims like the IdP's JWT access tokens for the orders API. */
export function accessTokenClaims(issuer: string, audience: string, overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    aud: audience,
    sub: 'alice',
    client_id: DEMO_CLIENT_ID,
    scope: 'orders:read orders:write',
    jti: crypto.randomUUID(),
    iat: now,
    exp: now + 300,
    ...overrides,
  };
}

/** Signs `claims` with a private JWK, as `at+jwt` with the key's `kid` unless `header` says otherwise. */
export async function sign(claims: JWTPayload, privateJwk: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const alg = typeof privateJwk.alg === 'string' ? privateJwk.alg : 'RS256';
  const key = await importJWK(privateJwk, alg);
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'at+jwt', kid: privateJwk.kid as string, ...header }).sign(key);
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWT (RFC 7519 §6): `alg: none` and an empty signature. */
export function unsecuredJwt(claims: JWTPayload, header: Record<string, unknown> = {}): string {
  return `${encode({ alg: 'none', typ: 'at+jwt', ...header })}.${encode(claims)}.`;
}

/** A protected test API: `/read` needs `orders:read`, `POST /write` `orders:write`, `/any` just a token. */
export function protectedApp(
  options: AccessTokenOptions,
  scopes: { read: string; write: string } = { read: 'orders:read', write: 'orders:write' },
) {
  const app = new Hono<AccessTokenEnv>();
  app.use(requireAccessToken(options));
  app.get('/any', (c) => c.json(c.get('token')));
  app.get('/read', requireScope(scopes.read), (c) => c.json(c.get('token')));
  app.post('/write', requireScope(scopes.write), (c) => c.json({ ok: true, sub: c.get('token').sub }));
  return app;
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** The headers of a DPoP-bound token with its proof (RFC 9449 §7.1). */
export const dpop = (token: string, proof: string): Record<string, string> => ({ authorization: `DPoP ${token}`, dpop: proof });

/** The URL Hono's `app.request(path)` gives a request: what a proof's `htu` must name. */
export const requestUrl = (path: string) => new URL(path, 'http://localhost').href;

/** Asserts an RFC 6750 refusal: status, challenge, problem+json body with `code`; returns the body. */
export async function expectRefusal(
  response: Response,
  status: number,
  code: string,
  authenticate: string | null,
): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('www-authenticate')).toBe(authenticate);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, detail: expect.any(String) });
  return body;
}

/** The challenge of an invalid token, for the realm `realm`: no description of what was wrong. */
export const invalidToken = (realm: string) => `Bearer realm="${realm}", error="invalid_token"`;

/** A `fetch` that counts requests per path. */
export function countingFetch(): { fetch: typeof fetch; count(path: string): number } {
  const counts = new Map<string, number>();
  return {
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
      return fetch(input, init);
    },
    count: (path) => counts.get(path) ?? 0,
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
