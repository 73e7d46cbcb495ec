import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  ORDERS_API,
  TOKEN_SPA_CLIENT_ID,
  allowsBrowserOrigin,
  bffClient,
  publicSpaClient,
  startIdp,
} from '../src/index.js';
import type { RunningIdp } from '../src/index.js';
import { TestBrowser, signIn } from '../src/testing.js';
import { authorizeUrl, pkce, postForm, startFakeApp } from './support.js';
import { decodeJwt } from '../src/testing.js';
import type { FakeApp, TokenResponse } from './support.js';

let app: FakeApp;
let idp: RunningIdp;
let callbackUrl: string;

beforeAll(async () => {
  // One origin for both clients: CORS must depend on the client, not only on the origin.
  app = await startFakeApp();
  callbackUrl = `${app.origin}/callback`;
  idp = await startIdp({ port: 0, clients: [bffClient({ origin: app.origin }), publicSpaClient({ origin: app.origin })] });
});

afterAll(async () => {
  await idp.close();
  await app.close();
});

/** A token request as a public client's page makes it: no client authentication, `client_id` in the form. */
async function publicTokenRequest(params: Record<string, string>, origin = app.origin) {
  const response = await fetch(new URL('/token', idp.issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    body: new URLSearchParams({ client_id: TOKEN_SPA_CLIENT_ID, ...params }),
  });
  return {
    status: response.status,
    allowOrigin: response.headers.get('access-control-allow-origin'),
    body: (await response.json()) as TokenResponse,
  };
}

describe('publicSpaClient', () => {
  it('signs in with PKCE and no secret, and with offline_access and prompt=consent gets a refresh token it can use', async () => {
    const { verifier, challenge } = pkce();
    const start = authorizeUrl(idp.issuer, {
      clientId: TOKEN_SPA_CLIENT_ID,
      redirectUri: callbackUrl,
      challenge,
      resource: ORDERS_API,
      prompt: 'consent',
    });
    const { response } = await signIn(new TestBrowser(), start, ALICE);
    const code = new URL(response.url).searchParams.get('code') ?? '';
    expect(code).not.toBe('');

    const tokens = await publicTokenRequest({ grant_type: 'authorization_code', code, redirect_uri: callbackUrl, code_verifier: verifier });
    expect(tokens.status).toBe(200);
    expect(tokens.allowOrigin).toBe(app.origin);
    expect(decodeJwt(tokens.body.access_token ?? '').payload).toMatchObject({
      aud: ORDERS_API,
      sub: ALICE.sub,
      client_id: TOKEN_SPA_CLIENT_ID,
    });
    expect(tokens.body.refresh_token).toEqual(expect.any(String));

    const refreshed = await publicTokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token ?? '' });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.access_token ?? '').payload).toMatchObject({ aud: ORDERS_API, sub: ALICE.sub });
    expect(refreshed.body.refresh_token).not.toBe(tokens.body.refresh_token); // rotated
  });

  it("lets only the SPA's own origin read the token endpoint's answers, and no page read them as the BFF", async () => {
    const fromSpa = await publicTokenRequest({ grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token-0123456789' });
    expect(fromSpa).toMatchObject({ status: 400, allowOrigin: app.origin, body: { error: 'invalid_grant' } });

    const elsewhere = await publicTokenRequest(
      { grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token-0123456789' },
      'http://127.0.0.1:9',
    );
    expect(elsewhere).toMatchObject({ status: 400, allowOrigin: null, body: { error: 'invalid_request' } });

    // The confidential BFF client, from the very origin of its redirect URI: never from a page.
    const response = await fetch(new URL('/token', idp.issuer), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: app.origin,
        authorization: `Basic ${Buffer.from(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: ORDERS_API, scope: 'orders:read' }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });

    // Server to server (no Origin), the BFF client is of course fine.
    const server = await postForm(new URL('/token', idp.issuer).href, {
      grant_type: 'client_credentials',
      resource: ORDERS_API,
      scope: 'orders:read',
    });
    expect(server.status).toBe(200);
  });
});

describe('allowsBrowserOrigin', () => {
  const spa = { clientAuthMethod: 'none', redirectUris: ['http://localhost:3002/callback'] };

  it('allows a public client from the origin of a redirect URI only', () => {
    expect(allowsBrowserOrigin(spa, 'http://localhost:3002')).toBe(true);
    expect(allowsBrowserOrigin(spa, 'http://localhost:3003')).toBe(false);
    expect(allowsBrowserOrigin(spa, 'http://127.0.0.1:3002')).toBe(false);
    expect(allowsBrowserOrigin(spa, 'null')).toBe(false);
  });

  it('never allows a confidential client', () => {
    expect(allowsBrowserOrigin({ ...spa, clientAuthMethod: 'client_secret_basic' }, 'http://localhost:3002')).toBe(false);
  });
});
