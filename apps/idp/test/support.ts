import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, bffClient, startIdp } from '../src/index.js';
import type { RunningIdp } from '../src/index.js';

/** A PKCE verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A stand-in relying party: answers 200 on every path and records back-channel logout posts. */
export interface FakeApp {
  origin: string;
  callbackUrl: string;
  logoutTokens: string[];
  close(): Promise<void>;
}

export async function startFakeApp(): Promise<FakeApp> {
  const logoutTokens: string[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/bff/backchannel-logout') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const token = new URLSearchParams(body).get('logout_token');
        if (token) logoutTokens.push(token);
        res.writeHead(200).end();
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`app page ${req.url ?? ''}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // `localhost`, not 127.0.0.1: the app is on a different site from the IdP, as in real life.
  const origin = `http://localhost:${port}`;
  return {
    origin,
    callbackUrl: `${origin}/bff/callback`,
    logoutTokens,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Parameters of an authorization request; PKCE and state/nonce are generated when omitted. */
export interface AuthorizeParams {
  redirectUri: string;
  scope?: string | undefined;
  resource?: string | string[] | undefined;
  clientId?: string;
  challenge?: string | null;
  challengeMethod?: string;
  state?: string;
  nonce?: string;
  prompt?: string;
  acrValues?: string;
  maxAge?: number;
}

export function authorizeUrl(issuer: string, params: AuthorizeParams): URL {
  const url = new URL('/auth', issuer);
  url.searchParams.set('client_id', params.clientId ?? DEMO_CLIENT_ID);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('scope', params.scope ?? 'openid profile email offline_access orders:read orders:write');
  url.searchParams.set('state', params.state ?? 'state-123');
  url.searchParams.set('nonce', params.nonce ?? 'nonce-123');
  if (params.challenge !== null && params.challenge !== undefined) {
    url.searchParams.set('code_challenge', params.challenge);
    url.searchParams.set('code_challenge_method', params.challengeMethod ?? 'S256');
  }
  if (params.prompt) url.searchParams.set('prompt', params.prompt);
  if (params.acrValues) url.searchParams.set('acr_values', params.acrValues);
  if (params.maxAge !== undefined) url.searchParams.set('max_age', String(params.maxAge));
  for (const resource of [params.resource ?? []].flat()) url.searchParams.append('resource', resource);
  return url;
}

/** The JSON a token-ish endpoint answered with. */
export type TokenResponse = Record<string, unknown> & {
  access_token?: string;
  id_token?: string;
  refresh_token?: string;
  token_type?: string;
  scope?: string;
  error?: string;
  error_description?: string;
};

function basic(clientId: string, secret: string): string {
  // RFC 6749 §2.3.1: form-urlencode each part before base64.
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

/** POSTs a form to an IdP endpoint with client_secret_basic authentication. */
export async function postForm(
  url: string,
  params: Record<string, string | string[]>,
  client: { id: string; secret: string } = { id: DEMO_CLIENT_ID, secret: DEMO_CLIENT_SECRET },
): Promise<{ status: number; body: TokenResponse }> {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) for (const item of [value].flat()) body.append(key, item);
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: basic(client.id, client.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as TokenResponse) : {} };
}

export function tokenRequest(issuer: string, params: Record<string, string | string[]>) {
  return postForm(new URL('/token', issuer).href, params);
}

/** The fake app and an IdP that knows it as the BFF client; `close` stops both. */
export async function startAppWithIdp(): Promise<{ app: FakeApp; idp: RunningIdp; close: () => Promise<void> }> {
  const app = await startFakeApp();
  const idp = await startIdp({ port: 0, clients: [bffClient({ origin: app.origin })] });
  return {
    app,
    idp,
    close: async () => {
      await idp.close();
      await app.close();
    },
  };
}
