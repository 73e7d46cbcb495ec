import { requestUrl } from '@cloakroom/test-harness';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sealData } from 'iron-session';
import { COOKIE_SECRET, ORDERS_RESOURCE, startStack } from './stack.js';
import { startUpstream, type CapturingUpstream } from './upstream.js';

const alice = { username: 'alice', password: 'alice-password' };
const json = { 'x-csrf': '1', accept: 'application/json' };

let upstream: CapturingUpstream;
let stack: Awaited<ReturnType<typeof startStack>>;
let origin: string;
/** The bodies of the BFF's pushed authorization requests (RFC 9126), as the IdP received them. */
const pushed: URLSearchParams[] = [];

beforeAll(async () => {
  upstream = await startUpstream();
  const recordingFetch: typeof fetch = (input, init) => {
    if (requestUrl(input).endsWith('/request')) pushed.push(new URLSearchParams(init?.body as URLSearchParams));
    return fetch(input, init);
  };
  stack = await startStack(
    () => ({ orders: { baseUrl: upstream.url, scopes: ['orders:read', 'orders:write'], resource: ORDERS_RESOURCE } }),
    {
      bff: { fetch: recordingFetch },
    },
  );
  origin = stack.bff.origin;
});
afterAll(async () => {
  await stack.close();
  await upstream.close();
});

async function signedInBrowser(returnTo = '/orders') {
  const browser = new TestBrowser();
  const result = await signIn(browser, `${origin}/bff/login?returnTo=${encodeURIComponent(returnTo)}`, alice);
  return { browser, ...result };
}

const setCookies = (response: Response) => response.headers.getSetCookie();

describe('sign-in through the BFF with the real dev IdP', () => {
  it('runs the code flow and lands on returnTo with a session, never a token, in the browser', async () => {
    const { browser, response, visited } = await signedInBrowser('/orders?tab=open');
    expect(response.url).toBe(`${origin}/orders?tab=open`);

    // The dev IdP offers PAR (RFC 9126), so the request went over the back channel: the browser's
    // URL carries only a reference to it.
    const authorize = new URL(visited.find((url) => url.startsWith(`${stack.idp.issuer}/auth`))!);
    expect([...authorize.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const request = pushed.at(-1)!;
    expect(request.get('code_challenge_method')).toBe('S256');
    expect(request.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(request.get('state')).toBeTruthy();
    expect(request.get('nonce')).toBeTruthy();
    expect(request.get('resource')).toBe(ORDERS_RESOURCE);
    expect(request.get('scope')!.split(' ')).toEqual(expect.arrayContaining(['openid', 'offline_access', 'orders:read']));

    const session = await browser.fetch(`${origin}/bff/session`, { headers: json });
    expect(session.status).toBe(200);
    expect(session.headers.get('cache-control')).toBe('no-store');
    // HSTS on the BFF's own answers (hono/secure-headers' default): browsers keep to https.
    expect(session.headers.get('strict-transport-security')).toMatch(/^max-age=\d{7,}; includeSubDomains$/);
    const body = await session.json();
    expect(body).toMatchObject({ authenticated: true, user: { sub: 'alice', name: 'Alice Anderson', email: 'alice@example.com' } });
    expect(body.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(JSON.stringify(body)).not.toMatch(/eyJ|token/i);
  });

  it('sets a __Host- session cookie that is HttpOnly, Secure and SameSite=Strict, and drops the login cookie', async () => {
    // Watch the real responses the test browser receives on its way through the flow.
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      const browser = new TestBrowser();
      await signIn(browser, `${origin}/bff/login`, alice);
      const responses = await Promise.all(
        fetchSpy.mock.calls.map(async ([input], index) => ({
          url: input instanceof Request ? input.url : String(input),
          response: (await fetchSpy.mock.results[index]!.value) as Response,
        })),
      );
      const login = responses.find(({ url }) => url.startsWith(`${origin}/bff/login`))!.response;
      const [transaction] = setCookies(login);
      expect(transaction).toMatch(/^__Host-cloakroom-login=Fe26\.2\*[^;]+; Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax$/);

      const callback = responses.find(({ url }) => url.startsWith(`${origin}/bff/callback`))!.response;
      expect(callback.status).toBe(302);
      const cookies = setCookies(callback);
      expect(cookies).toContainEqual(
        expect.stringMatching(/^__Host-cloakroom-login=; Max-Age=0; Path=\/; HttpOnly; Secure; SameSite=Lax$/),
      );
      expect(cookies).toContainEqual(
        expect.stringMatching(/^__Host-cloakroom=Fe26\.2\*[^;]+; Max-Age=28800; Path=\/; HttpOnly; Secure; SameSite=Strict$/),
      );
      expect([...browser.cookies(origin).keys()]).toEqual(['__Host-cloakroom']);
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it('refuses a callback with a bad or missing state, and a replayed one, with 400', async () => {
    const { browser, visited } = await signedInBrowser();
    const callbackUrl = new URL(visited.find((url) => url.startsWith(`${origin}/bff/callback`))!);

    // Replay: the transaction was consumed by the first use.
    const replay = await browser.fetch(callbackUrl);
    expect(replay.status).toBe(400);
    expect(replay.headers.get('content-type')).toBe('application/problem+json');
    expect(await replay.json()).toMatchObject({ code: 'invalid_callback' });

    // A fresh transaction, then a callback whose state is not its state.
    for (const mutate of [(url: URL) => url.searchParams.set('state', 'forged'), (url: URL) => url.searchParams.delete('state')]) {
      await browser.fetch(`${origin}/bff/login`);
      const forged = new URL(callbackUrl);
      mutate(forged);
      const response = await browser.fetch(forged);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'invalid_callback' });
    }

    // And no transaction at all.
    const stranger = await new TestBrowser().fetch(callbackUrl);
    expect(stranger.status).toBe(400);
    expect(await stranger.json()).toMatchObject({ code: 'invalid_callback' });
  });

  it('gives every sign-in a new session id, and ends the old one', async () => {
    const { browser } = await signedInBrowser();
    const first = browser.cookies(origin).get('__Host-cloakroom')!;
    await signIn(browser, `${origin}/bff/login`, alice);
    const second = browser.cookies(origin).get('__Host-cloakroom')!;
    expect(second).not.toBe(first);
    const old = await fetch(`${origin}/bff/session`, { headers: { ...json, cookie: `__Host-cloakroom=${first}` } });
    expect(await old.json()).toEqual({ authenticated: false });
  });

  it('refuses open-redirect returnTo values at login', async () => {
    for (const returnTo of ['//evil.example', '/\\evil.example', '/.//evil.example', 'https://evil.example/', 'javascript:alert(1)']) {
      const response = await fetch(`${origin}/bff/login?returnTo=${encodeURIComponent(returnTo)}`, { redirect: 'manual' });
      expect(response.status, returnTo).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'invalid_request' });
    }
  });

  it('treats a tampered or foreign session cookie as no session', async () => {
    const { browser } = await signedInBrowser();
    const seal = browser.cookies(origin).get('__Host-cloakroom')!;
    const tampered = `${seal.slice(0, 40)}${seal[40] === 'A' ? 'B' : 'A'}${seal.slice(41)}`;

    // A seal made with another secret (another app's cookie) opens nothing here.
    const foreignSeal = await sealData({ id: 'guessed-session-id' }, { password: `another-${COOKIE_SECRET}` });
    // A seal made with our secret around an id the store does not have (a forged or ended session).
    const unknownSession = await sealData({ id: 'guessed-session-id' }, { password: COOKIE_SECRET });
    for (const value of [tampered, 'garbage', foreignSeal, unknownSession, '']) {
      const response = await fetch(`${origin}/bff/session`, { headers: { ...json, cookie: `__Host-cloakroom=${value}` } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ authenticated: false });
    }
  });

  it('answers 403 csrf_failed without X-CSRF, or from another site', async () => {
    const { browser } = await signedInBrowser();
    const missing = await browser.fetch(`${origin}/bff/session`);
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ code: 'csrf_failed' });
    const crossSite = await browser.fetch(`${origin}/bff/logout`, {
      method: 'POST',
      headers: { ...json, 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
    });
    expect(crossSite.status).toBe(403);
    // Still signed in: the forged logout did nothing.
    expect(await (await browser.fetch(`${origin}/bff/session`, { headers: json })).json()).toMatchObject({ authenticated: true });
  });

  it('proxies with a bearer token for the API audience, never the browser cookie or X-CSRF', async () => {
    const { browser } = await signedInBrowser();
    const response = await browser.fetch(`${origin}/bff/api/orders/orders?status=open`, { headers: json });
    expect(response.status).toBe(200);
    const seen = upstream.requests.at(-1)!;
    expect(seen.url).toBe('/orders?status=open');
    expect(seen.headers).not.toHaveProperty('cookie');
    expect(seen.headers).not.toHaveProperty('x-csrf');
    const [scheme, token] = seen.headers.authorization!.split(' ');
    expect(scheme).toBe('Bearer');
    expect(decodeProtectedHeader(token!).typ).toBe('at+jwt');
    const claims = decodeJwt(token!);
    expect(claims).toMatchObject({ iss: stack.idp.issuer, aud: ORDERS_RESOURCE, sub: 'alice' });
    expect(String(claims.scope).split(' ')).toEqual(expect.arrayContaining(['orders:read', 'orders:write']));
  });

  it('signs out: revokes the refresh token, ends the session, clears the cookie, returns the end-session URL', async () => {
    const { browser } = await signedInBrowser();
    const cookie = browser.cookies(origin).get('__Host-cloakroom')!;
    const response = await browser.fetch(`${origin}/bff/logout`, { method: 'POST', headers: json });
    expect(response.status).toBe(200);
    const { endSessionUrl } = await response.json();
    const url = new URL(endSessionUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${stack.idp.issuer}/session/end`);
    expect(url.searchParams.get('client_id')).toBe('cloakroom-bff');
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${origin}/bff/logout/callback`);
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(endSessionUrl).not.toMatch(/eyJ/);
    expect(setCookies(response).join('\n')).toMatch(/__Host-cloakroom=; Max-Age=0/);

    const replayed = await fetch(`${origin}/bff/session`, { headers: { ...json, cookie: `__Host-cloakroom=${cookie}` } });
    expect(await replayed.json()).toEqual({ authenticated: false });
    const api = await fetch(`${origin}/bff/api/orders/orders`, { headers: { ...json, cookie: `__Host-cloakroom=${cookie}` } });
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ code: 'login_required' });
  });

  it('never writes a token, code or cookie value to its log', async () => {
    const { browser } = await signedInBrowser();
    await browser.fetch(`${origin}/bff/api/orders/orders`, { headers: json });
    const token = upstream.requests.at(-1)!.headers.authorization!.split(' ')[1]!;
    const log = stack.bff.logger.text();
    expect(log).toContain('signed in');
    expect(log).not.toContain(token);
    expect(log).not.toContain(browser.cookies(origin).get('__Host-cloakroom')!);
    expect(log).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(log).not.toMatch(/[?&]code=/);
  });
});
