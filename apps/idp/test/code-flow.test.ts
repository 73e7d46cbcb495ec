import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, ORDERS_API, REPORTS_API } from '../src/index.js';
import type { RunningIdp } from '../src/index.js';
import { TestBrowser, signIn, submitForm } from '../src/testing.js';
import { authorizeUrl, pkce, postForm, startAppWithIdp, tokenRequest } from './support.js';
import { decodeJwt } from '../src/testing.js';
import type { FakeApp } from './support.js';

let app: FakeApp;
let idp: RunningIdp;
let close: () => Promise<void>;

beforeAll(async () => ({ app, idp, close } = await startAppWithIdp()));
afterAll(() => close());

/** Signs `user` in through the IdP's pages and exchanges the code. */
async function codeFlow(options: { browser?: TestBrowser; user?: typeof ALICE; resource?: string | string[]; scope?: string } = {}) {
  const browser = options.browser ?? new TestBrowser();
  const user = options.user ?? ALICE;
  const { verifier, challenge } = pkce();
  const start = authorizeUrl(idp.issuer, {
    redirectUri: app.callbackUrl,
    challenge,
    resource: options.resource,
    scope: options.scope,
  });
  const { response, visited } = await signIn(browser, start, user);
  const callback = new URL(response.url);
  const code = callback.searchParams.get('code');
  expect(code, `callback ${callback.href}`).toBeTruthy();
  const tokens = await tokenRequest(idp.issuer, {
    grant_type: 'authorization_code',
    code: code ?? '',
    redirect_uri: app.callbackUrl,
    code_verifier: verifier,
  });
  return { browser, callback, visited, tokens };
}

/** RP-initiated logout through the IdP's confirmation page; resolves the final response. */
async function logOut(browser: TestBrowser, idToken: string, state = 'bye') {
  const endSession = new URL('/session/end', idp.issuer);
  endSession.searchParams.set('id_token_hint', idToken);
  endSession.searchParams.set('post_logout_redirect_uri', `${app.origin}/`);
  endSession.searchParams.set('state', state);
  const page = await browser.follow(endSession);
  const html = await page.text();
  const done = await submitForm(browser, { url: page.url, html }, { button: 'Sign out' });
  return { html, done };
}

describe('authorization code flow', () => {
  it('signs in through the login and consent pages and issues ID, access and refresh tokens', async () => {
    const before = idp.counts.authorizationCodeGrants;
    const { callback, visited, tokens } = await codeFlow();

    expect(callback.origin).toBe(app.origin);
    expect(callback.searchParams.get('state')).toBe('state-123');
    expect(callback.searchParams.get('iss')).toBe(idp.issuer);
    expect(visited.some((url) => /\/interaction\/[^/]+\/login$/.test(url))).toBe(true);
    expect(visited.some((url) => /\/interaction\/[^/]+\/confirm$/.test(url))).toBe(true);

    expect(tokens.status).toBe(200);
    expect(tokens.body.token_type).toBe('Bearer');
    expect(tokens.body.refresh_token).toEqual(expect.any(String));
    const idToken = decodeJwt(tokens.body.id_token ?? '');
    expect(idToken.header.alg).toBe('RS256');
    expect(idToken.payload).toMatchObject({
      iss: idp.issuer,
      aud: 'cloakroom-bff',
      sub: ALICE.sub,
      nonce: 'nonce-123',
      name: 'Alice Anderson',
      given_name: 'Alice',
      family_name: 'Anderson',
      preferred_username: 'alice',
      email: 'alice@example.com',
      email_verified: true,
    });
    expect(idToken.payload.sid).toEqual(expect.any(String));
    expect(idp.counts.authorizationCodeGrants).toBe(before + 1);
  });

  it('issues a JWT access token (typ at+jwt) for the orders resource, with its scopes', async () => {
    const { tokens } = await codeFlow({ user: BOB });
    const accessToken = decodeJwt(tokens.body.access_token ?? '');
    expect(accessToken.header.typ).toBe('at+jwt');
    expect(accessToken.payload).toMatchObject({ iss: idp.issuer, aud: ORDERS_API, sub: BOB.sub, client_id: 'cloakroom-bff' });
    expect(String(accessToken.payload.scope).split(' ').sort()).toEqual(['orders:read', 'orders:write']);
    expect(Number(accessToken.payload.exp) - Number(accessToken.payload.iat)).toBe(300);
  });

  it('skips the login and consent pages while the IdP session lasts', async () => {
    const { browser } = await codeFlow();
    const again = await codeFlow({ browser });
    expect(again.visited.some((url) => url.includes('/interaction/'))).toBe(false);
    expect(again.tokens.status).toBe(200);
  });

  it('shows the login form again, with an error, after a wrong password', async () => {
    const browser = new TestBrowser();
    const page = await browser.follow(authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge: pkce().challenge }));
    const html = await page.text();
    expect(html).toContain('<input id="username" name="username"');
    expect(html).toContain('type="password"');
    expect(html).toContain('<button type="submit">Sign in</button>');
    const action = /action="([^"]*\/login)"/.exec(html)?.[1] ?? '';

    const wrong = await browser.follow(new URL(action, page.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'alice', password: 'nope' }).toString(),
      initiator: new URL(page.url).origin,
    });
    expect(wrong.status).toBe(401);
    const retry = await wrong.text();
    expect(retry).toContain('Wrong username or password.');
    expect(retry).toContain('name="username"');
    expect(retry).toContain('value="alice"');

    await expect(
      signIn(new TestBrowser(), authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge: pkce().challenge }), {
        username: 'alice',
        password: 'wrong',
      }),
    ).rejects.toThrow(/Wrong username or password/);
  });

  it('renders a consent page listing the requested scopes, per resource', async () => {
    const browser = new TestBrowser();
    const login = await browser.follow(authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge: pkce().challenge }));
    const consent = await submitForm(
      browser,
      { url: login.url, html: await login.text() },
      { fields: { username: 'bob', password: BOB.password } },
    );
    const html = await consent.text();
    expect(consent.url).toMatch(/\/interaction\/[\w-]+$/);
    expect(html).toContain('<button type="submit">Allow</button>');
    expect(html).toContain('Cloakroom demo BFF');
    expect(html).toContain('Bob Brown');
    for (const scope of ['profile', 'email', 'orders:read', 'orders:write']) {
      expect(html).toContain(`<code>${scope}</code>`);
    }
    // Requested without prompt=consent, offline_access was dropped by oidc-provider (OIDC Core §11).
    expect(html).not.toContain('offline_access');
    expect(html).toContain(ORDERS_API);
    expect(consent.headers.get('cache-control')).toBe('no-store');
    expect(consent.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('explains an expired or unknown interaction instead of failing', async () => {
    const response = await new TestBrowser().fetch(`${idp.issuer}/interaction/not-a-real-uid`);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Sign-in expired');
  });

  it('refuses an authorization request without PKCE, or with the plain method', async () => {
    const browser = new TestBrowser();
    for (const request of [
      authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge: null }),
      authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge: 'x'.repeat(43), challengeMethod: 'plain' }),
    ]) {
      const response = await browser.follow(request);
      const callback = new URL(response.url);
      expect(callback.origin).toBe(app.origin);
      expect(callback.searchParams.get('error')).toBe('invalid_request');
      expect(callback.searchParams.get('error_description')).toMatch(/PKCE|code_challenge/);
      expect(callback.searchParams.has('code')).toBe(false);
    }
  });

  it('rejects a code exchange with a wrong code_verifier', async () => {
    const browser = new TestBrowser();
    const { challenge } = pkce();
    const { response } = await signIn(browser, authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge }), ALICE);
    const tokens = await tokenRequest(idp.issuer, {
      grant_type: 'authorization_code',
      code: new URL(response.url).searchParams.get('code') ?? '',
      redirect_uri: app.callbackUrl,
      code_verifier: pkce().verifier,
    });
    expect(tokens.status).toBe(400);
    expect(tokens.body.error).toBe('invalid_grant');
  });
});

describe('refresh tokens', () => {
  it('rotates on every refresh and rejects the old one with invalid_grant', async () => {
    const { tokens } = await codeFlow();
    const first = tokens.body.refresh_token ?? '';
    const before = idp.counts.refreshTokenGrants;

    const refreshed = await tokenRequest(idp.issuer, { grant_type: 'refresh_token', refresh_token: first });
    expect(refreshed.status).toBe(200);
    const second = refreshed.body.refresh_token ?? '';
    expect(second).toEqual(expect.any(String));
    expect(second).not.toBe(first);
    expect(idp.counts.refreshTokenGrants).toBe(before + 1);
    // With no resource parameter the refresh still targets the resource granted at authorization.
    expect(decodeJwt(refreshed.body.access_token ?? '').payload.aud).toBe(ORDERS_API);
    expect(decodeJwt(refreshed.body.id_token ?? '').payload.name).toBe('Alice Anderson');

    const replay = await tokenRequest(idp.issuer, { grant_type: 'refresh_token', refresh_token: first });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    // Reuse of a rotated token is treated as theft: the whole grant, new token included, is revoked.
    const after = await tokenRequest(idp.issuer, { grant_type: 'refresh_token', refresh_token: second });
    expect(after.body.error).toBe('invalid_grant');
  });

  it('binds a refresh token to the IdP session unless offline_access is granted (with prompt=consent)', async () => {
    // Without prompt=consent oidc-provider drops offline_access (OIDC Core §11): the refresh token
    // then ends with the IdP session.
    const online = await codeFlow();
    await logOut(online.browser, online.tokens.body.id_token ?? '');
    const afterLogout = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      refresh_token: online.tokens.body.refresh_token ?? '',
    });
    expect(afterLogout.body.error).toBe('invalid_grant');

    const { verifier, challenge } = pkce();
    const browser = new TestBrowser();
    const start = authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge, prompt: 'consent' });
    const { response } = await signIn(browser, start, ALICE);
    const offline = await tokenRequest(idp.issuer, {
      grant_type: 'authorization_code',
      code: new URL(response.url).searchParams.get('code') ?? '',
      redirect_uri: app.callbackUrl,
      code_verifier: verifier,
    });
    expect(offline.body.scope).toBe('orders:read orders:write');
    await logOut(browser, offline.body.id_token ?? '');
    const stillValid = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      refresh_token: offline.body.refresh_token ?? '',
    });
    expect(stillValid.status).toBe(200);
  });

  it('narrows a refresh to another granted resource with the resource parameter', async () => {
    const { tokens } = await codeFlow({
      scope: 'openid offline_access orders:read reports:read',
      resource: [ORDERS_API, REPORTS_API],
    });
    expect(decodeJwt(tokens.body.access_token ?? '').payload.aud).toBe(ORDERS_API);

    const reports = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      refresh_token: tokens.body.refresh_token ?? '',
      resource: REPORTS_API,
    });
    expect(reports.status).toBe(200);
    expect(decodeJwt(reports.body.access_token ?? '').payload).toMatchObject({ aud: REPORTS_API, scope: 'reports:read' });

    const ungranted = await tokenRequest(idp.issuer, {
      grant_type: 'refresh_token',
      refresh_token: reports.body.refresh_token ?? '',
      resource: 'https://api.cloakroom.test/unknown',
    });
    expect(ungranted.body.error).toBe('invalid_target');
  });

  it('can be introspected and revoked', async () => {
    const { tokens } = await codeFlow();
    const refreshToken = tokens.body.refresh_token ?? '';
    const introspect = () => postForm(new URL('/token/introspection', idp.issuer).href, { token: refreshToken });

    expect((await introspect()).body).toMatchObject({ active: true, sub: ALICE.sub, client_id: 'cloakroom-bff' });
    const revoked = await postForm(new URL('/token/revocation', idp.issuer).href, {
      token: refreshToken,
      token_type_hint: 'refresh_token',
    });
    expect(revoked.status).toBe(200);
    expect((await introspect()).body).toEqual({ active: false });
    const refresh = await tokenRequest(idp.issuer, { grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(refresh.body.error).toBe('invalid_grant');
  });
});

describe('client credentials', () => {
  it('issues a JWT for a named resource and counts the grant', async () => {
    const before = idp.counts.clientCredentialsGrants;
    const response = await tokenRequest(idp.issuer, {
      grant_type: 'client_credentials',
      resource: ORDERS_API,
      scope: 'orders:read orders:write',
    });
    expect(response.status).toBe(200);
    const token = decodeJwt(response.body.access_token ?? '');
    expect(token.header.typ).toBe('at+jwt');
    expect(token.payload).toMatchObject({ aud: ORDERS_API, client_id: 'cloakroom-bff', scope: 'orders:read orders:write' });
    expect(idp.counts.clientCredentialsGrants).toBe(before + 1);
  });

  it('rejects an unknown resource with invalid_target and a wrong secret with invalid_client', async () => {
    const unknown = await tokenRequest(idp.issuer, { grant_type: 'client_credentials', resource: 'https://elsewhere.test/' });
    expect(unknown.body.error).toBe('invalid_target');
    const wrongSecret = await postForm(
      new URL('/token', idp.issuer).href,
      { grant_type: 'client_credentials', resource: ORDERS_API },
      { id: 'cloakroom-bff', secret: 'not-the-secret' },
    );
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error).toBe('invalid_client');
  });
});

describe('error pages', () => {
  it('renders authorization errors it cannot redirect (unknown client) on its own page, escaped', async () => {
    const url = new URL('/auth', idp.issuer);
    url.searchParams.set('client_id', '<script>alert(1)</script>');
    url.searchParams.set('response_type', 'code');
    const response = await new TestBrowser().fetch(url);
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('Something went wrong');
    expect(html).toContain('invalid_client');
    expect(html).not.toContain('<script>');
  });
});

describe('logout', () => {
  it('shows a "signed out" page when no post-logout redirect is given', async () => {
    const { browser } = await codeFlow();
    const page = await browser.follow(new URL('/session/end', idp.issuer));
    const html = await page.text();
    const done = await submitForm(browser, { url: page.url, html }, { button: 'Sign out' });
    expect(done.url).toBe(`${idp.issuer}/session/end/success`);
    expect(await done.text()).toContain('You have signed out');
  });

  it('confirms RP-initiated logout, notifies the client over the back channel and redirects back', async () => {
    const { browser, tokens } = await codeFlow();
    const sid = decodeJwt(tokens.body.id_token ?? '').payload.sid;
    const { html, done } = await logOut(browser, tokens.body.id_token ?? '');
    expect(html).toContain('Sign out');
    expect(html).toMatch(/<input type="hidden" name="xsrf" value="[^"]+"/);
    expect(done.url).toBe(`${app.origin}/?state=bye`);
    expect(app.logoutTokens.length).toBeGreaterThan(0);
    const logoutToken = decodeJwt(app.logoutTokens.at(-1) ?? '');
    expect(logoutToken.header.typ).toBe('logout+jwt');
    expect(logoutToken.payload).toMatchObject({ iss: idp.issuer, aud: 'cloakroom-bff', sub: ALICE.sub, sid });

    // The IdP session is gone: the next authorization asks for the password again.
    const again = await browser.follow(authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge: pkce().challenge }));
    expect(await again.text()).toContain('name="password"');
  });
});
