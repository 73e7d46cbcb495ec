import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ALICE,
  DEFAULT_RESOURCE_SERVERS,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  bffClient,
  generateSigningKey,
  startIdp,
} from '@cloakroom/idp';
import type { ClientMetadata, IdpOptions, RunningIdp } from '@cloakroom/idp';
import { TestBrowser, signIn } from '@cloakroom/idp/testing';
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

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function postForm(url: string, params: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { authorization: basic(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
}

/** A genuine access token from the IdP (client-credentials grant) for `resource`. */
export async function clientToken(issuer: string, resource: string, scope: string): Promise<string> {
  const response = await postForm(`${issuer}/token`, { grant_type: 'client_credentials', resource, scope });
  const body = (await response.json()) as Record<string, string>;
  if (!response.ok || !body.access_token) throw new Error(`token endpoint: ${body.error ?? response.status} ${body.error_description ?? ''}`);
  return body.access_token;
}

/**
 * The user's tokens from a real authorization-code flow through the IdP's pages; `redirectOrigin`
 * must answer the callback (see {@link startServer}) and be registered with {@link bffClient}.
 */
export async function userTokens(
  issuer: string,
  redirectOrigin: string,
  scope: string,
  resource: string,
): Promise<{ accessToken: string; refreshToken: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = `${redirectOrigin}/bff/callback`;
  const authorize = new URL('/auth', issuer);
  const params = {
    client_id: DEMO_CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    resource,
    state: 'state',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };
  for (const [key, value] of Object.entries(params)) authorize.searchParams.set(key, value);
  const { response } = await signIn(new TestBrowser(), authorize, ALICE);
  const code = new URL(response.url).searchParams.get('code') ?? '';
  const token = await postForm(`${issuer}/token`, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
  const body = (await token.json()) as Record<string, string>;
  if (!token.ok || !body.access_token || !body.refresh_token) throw new Error(`token endpoint: ${body.error ?? token.status}`);
  return { accessToken: body.access_token, refreshToken: body.refresh_token };
}

/** Revokes `token` at the IdP (RFC 7009). */
export async function revoke(issuer: string, token: string): Promise<void> {
  const response = await postForm(`${issuer}/token/revocation`, { token, token_type_hint: 'access_token' });
  if (response.status !== 200) throw new Error(`revocation endpoint: HTTP ${response.status}`);
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
export async function sign(
  claims: JWTPayload,
  privateJwk: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const alg = typeof privateJwk.alg === 'string' ? privateJwk.alg : 'RS256';
  const key = await importJWK(privateJwk, alg);
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'at+jwt', kid: privateJwk.kid as string, ...header })
    .sign(key);
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWT (RFC 7519 §6): `alg: none` and an empty signature. */
export function unsecuredJwt(claims: JWTPayload, header: Record<string, unknown> = {}): string {
  return `${encode({ alg: 'none', typ: 'at+jwt', ...header })}.${encode(claims)}.`;
}

/** Decodes (does not verify) the header and payload of a compact JWS. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header = '', payload = ''] = token.split('.');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: decode(header), payload: decode(payload) };
}

/** A protected test API: `/read` needs `orders:read`, `POST /write` `orders:write`, `/any` just a token. */
export function protectedApp(options: AccessTokenOptions, scopes: { read: string; write: string } = { read: 'orders:read', write: 'orders:write' }) {
  const app = new Hono<AccessTokenEnv>();
  app.use(requireAccessToken(options));
  app.get('/any', (c) => c.json(c.get('token')));
  app.get('/read', requireScope(scopes.read), (c) => c.json(c.get('token')));
  app.post('/write', requireScope(scopes.write), (c) => c.json({ ok: true, sub: c.get('token').sub }));
  return app;
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

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

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A plain HTTP server on a free loopback port, for stand-in endpoints. */
export async function startServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

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
