import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, bffClient, startIdp } from '../src/index.js';
import type { RunningIdp } from '../src/index.js';
import { TestBrowser, signIn } from '../src/testing.js';
import { authorizeUrl, pkce, startFakeApp, tokenRequest } from './support.js';
import { decodeJwt } from '../src/testing.js';
import type { FakeApp } from './support.js';

let app: FakeApp;

beforeAll(async () => {
  app = await startFakeApp();
});

afterAll(() => app.close());

describe('restart', () => {
  it('keeps refresh tokens, signing keys and IdP sessions across a restart on the same port', async () => {
    const clients = [bffClient({ origin: app.origin })];
    let idp: RunningIdp = await startIdp({ port: 0, clients });
    const { port, issuer } = idp;
    const browser = new TestBrowser();
    const { verifier, challenge } = pkce();
    const { response } = await signIn(browser, authorizeUrl(issuer, { redirectUri: app.callbackUrl, challenge }), ALICE);
    const tokens = await tokenRequest(issuer, {
      grant_type: 'authorization_code',
      code: new URL(response.url).searchParams.get('code') ?? '',
      redirect_uri: app.callbackUrl,
      code_verifier: verifier,
    });
    const { keys: keysBefore } = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: unknown[] };
    await idp.close();

    // While the IdP is down, the token endpoint is unreachable.
    await expect(tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: 'x' })).rejects.toThrow();

    idp = await startIdp({ port, clients });
    try {
      expect(idp.issuer).toBe(issuer);
      expect(idp.counts.refreshTokenGrants).toBe(0);
      const refreshed = await tokenRequest(issuer, {
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token ?? '',
      });
      expect(refreshed.body).toMatchObject({ token_type: 'Bearer' });
      expect(refreshed.body.refresh_token).not.toBe(tokens.body.refresh_token);
      expect(decodeJwt(refreshed.body.id_token ?? '').payload.sub).toBe(ALICE.sub);
      expect(idp.counts.refreshTokenGrants).toBe(1);

      const { keys: keysAfter } = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: unknown[] };
      expect(keysAfter).toEqual(keysBefore);

      // The browser's IdP session survives too: no login form the second time.
      const again = await signIn(browser, authorizeUrl(issuer, { redirectUri: app.callbackUrl, challenge: pkce().challenge }), ALICE);
      expect(again.visited.some((url) => url.includes('/interaction/'))).toBe(false);
      expect(new URL(again.response.url).searchParams.get('code')).toBeTruthy();
    } finally {
      await idp.close();
    }
  });

  it('keeps IdPs on different ports apart', async () => {
    const clients = [bffClient({ origin: app.origin })];
    const first = await startIdp({ port: 0, clients });
    const second = await startIdp({ port: 0, clients });
    try {
      const { verifier, challenge } = pkce();
      const { response } = await signIn(new TestBrowser(), authorizeUrl(first.issuer, { redirectUri: app.callbackUrl, challenge }), ALICE);
      const tokens = await tokenRequest(first.issuer, {
        grant_type: 'authorization_code',
        code: new URL(response.url).searchParams.get('code') ?? '',
        redirect_uri: app.callbackUrl,
        code_verifier: verifier,
      });
      const elsewhere = await tokenRequest(second.issuer, {
        grant_type: 'refresh_token',
        refresh_token: tokens.body.refresh_token ?? '',
      });
      expect(elsewhere.body.error).toBe('invalid_grant');
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});
