import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '@cloakroom/idp';
import type { DemoUser } from '@cloakroom/idp';
import { TestBrowser, signIn } from '@cloakroom/idp/testing';

/** A bare relying party endpoint for the code flow's redirect (it only has to answer). */
export async function startRelyingParty(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((_req, res) => res.writeHead(200).end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function token(issuer: string, params: Record<string, string>): Promise<Record<string, string>> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params),
  });
  const body = (await response.json()) as Record<string, string>;
  if (!response.ok) throw new Error(`token endpoint: ${body.error ?? response.status}: ${body.error_description ?? ''}`);
  return body;
}

/** An access token from the client-credentials grant for `resource`. */
export async function clientToken(issuer: string, resource: string, scope: string): Promise<string> {
  const body = await token(issuer, { grant_type: 'client_credentials', resource, scope });
  return body.access_token ?? '';
}

/** The user's tokens from a real authorization-code flow through the IdP's pages. */
export async function userTokens(
  issuer: string,
  redirectOrigin: string,
  user: DemoUser,
  scope = 'openid profile offline_access orders:read orders:write',
): Promise<{ accessToken: string; idToken: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const redirectUri = `${redirectOrigin}/bff/callback`;
  const authorize = new URL('/auth', issuer);
  for (const [key, value] of Object.entries({
    client_id: DEMO_CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state: 'state',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  })) {
    authorize.searchParams.set(key, value);
  }
  const { response } = await signIn(new TestBrowser(), authorize, user);
  const code = new URL(response.url).searchParams.get('code') ?? '';
  const body = await token(issuer, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
  return { accessToken: body.access_token ?? '', idToken: body.id_token ?? '' };
}
