import { createHash, randomBytes } from 'node:crypto';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../clients.js';
import { ALICE, type DemoUser } from '../users.js';
import { dpopProof } from './dpop.js';
import type { DpopKey } from './dpop.js';
import { signIn } from './sign-in.js';
import { TestBrowser } from './test-browser.js';

/**
 * Tokens from the dev IdP for tests, obtained the real way (its token endpoint and its pages), as
 * the demo BFF client (`client_secret_basic`).
 */

/**
 * POSTs a form to one of the IdP's endpoints as the demo client, with a DPoP proof made with `dpop`
 * when given; throws on an error answer.
 */
async function asDemoClient(url: string, params: Record<string, string>, dpop?: DpopKey): Promise<Record<string, string>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(DEMO_CLIENT_ID)}:${encodeURIComponent(DEMO_CLIENT_SECRET)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...(dpop ? { dpop: await dpopProof(dpop, { htm: 'POST', htu: url }) } : {}),
    },
    body: new URLSearchParams(params),
  });
  const text = await response.text();
  const body = (text ? JSON.parse(text) : {}) as Record<string, string>;
  if (!response.ok) throw new Error(`${url}: ${body.error ?? response.status} ${body.error_description ?? ''}`);
  return body;
}

/** Options of {@link clientToken}. */
export interface ClientTokenOptions {
  /** Bind the token to this DPoP key (RFC 9449): the token request carries a proof made with it. */
  dpop?: DpopKey;
}

/**
 * An access token from the client-credentials grant, for `resource` with `scope`: a bearer token,
 * or with `dpop` one bound to that key (`token_type: DPoP`, `cnf.jkt`).
 */
export async function clientToken(issuer: string, resource: string, scope: string, { dpop }: ClientTokenOptions = {}): Promise<string> {
  const body = await asDemoClient(`${issuer}/token`, { grant_type: 'client_credentials', resource, scope }, dpop);
  if (!body.access_token) throw new Error('token endpoint: no access_token');
  return body.access_token;
}

/** What {@link userTokens} asks for. */
export interface UserTokenOptions extends ClientTokenOptions {
  /** Who signs in (default: alice). */
  user?: DemoUser;
  /** Default: `openid profile offline_access orders:read orders:write`. */
  scope?: string;
  /** RFC 8707 `resource`: the API the access token is for. */
  resource?: string;
  /** `acr_values` to sign in with: `MFA_ACR` passes the user's one-time code too. */
  acrValues?: string;
}

/**
 * A user's tokens from a real authorization-code flow (PKCE) through the IdP's pages. The redirect
 * goes to `{redirectOrigin}/bff/callback`, which must answer and be registered with `bffClient()`.
 * With `dpop`, the access token is bound to that key (`cnf.jkt`).
 */
export async function userTokens(
  issuer: string,
  redirectOrigin: string,
  { user = ALICE, scope = 'openid profile offline_access orders:read orders:write', resource, acrValues, dpop }: UserTokenOptions = {},
): Promise<{ accessToken: string; refreshToken: string | undefined; idToken: string | undefined }> {
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = `${redirectOrigin}/bff/callback`;
  const authorize = new URL('/auth', issuer);
  const params = {
    client_id: DEMO_CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    ...(resource ? { resource } : {}),
    ...(acrValues ? { acr_values: acrValues } : {}),
    state: 'state',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  };
  for (const [key, value] of Object.entries(params)) authorize.searchParams.set(key, value);
  const { response } = await signIn(new TestBrowser(), authorize, user);
  const code = new URL(response.url).searchParams.get('code') ?? '';
  const body = await asDemoClient(
    `${issuer}/token`,
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier },
    dpop,
  );
  if (!body.access_token) throw new Error('token endpoint: no access_token');
  return { accessToken: body.access_token, refreshToken: body.refresh_token, idToken: body.id_token };
}

/** Revokes `token` at the IdP (RFC 7009). */
export async function revokeToken(issuer: string, token: string): Promise<void> {
  await asDemoClient(`${issuer}/token/revocation`, { token, token_type_hint: 'access_token' });
}

/** Decodes (does not verify) the header and payload of a compact JWS. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header = '', payload = ''] = token.split('.');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return { header: decode(header), payload: decode(payload) };
}
