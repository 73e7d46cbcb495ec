import { signIn, submitForm, TestBrowser } from '@cloakroom/idp/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDERS_RESOURCE, REPORTS_RESOURCE, startStack } from './stack.js';
import { startUpstream, type CapturingUpstream } from './upstream.js';

const json = { 'x-csrf': '1' };
const ACCESS_TOKEN_TTL = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let upstream: CapturingUpstream;
let stack: Awaited<ReturnType<typeof startStack>>;
let origin: string;

beforeAll(async () => {
  upstream = await startUpstream();
  stack = await startStack(
    () => ({
      orders: { baseUrl: upstream.url, scopes: ['orders:read', 'orders:write'], resource: ORDERS_RESOURCE },
      reports: { baseUrl: upstream.url, scopes: ['reports:read'], resource: REPORTS_RESOURCE },
    }),
    // logoutIdTokenHint keeps the ID token in the session, which makes it larger than one 4 KB cookie.
    { idp: { accessTokenTtl: ACCESS_TOKEN_TTL }, bff: { session: { store: 'cookie' }, refreshMargin: 0.5, logoutIdTokenHint: true } },
  );
  origin = stack.bff.origin;
});
afterAll(async () => {
  await stack.close();
  await upstream.close();
});

/** A signed-in browser whose session holds tokens for both APIs: more than one cookie can carry. */
async function bigSession() {
  const browser = new TestBrowser();
  await signIn(browser, `${origin}/bff/login`, { username: 'alice', password: 'alice-password' });
  expect((await browser.fetch(`${origin}/bff/api/reports/x`, { headers: json })).status).toBe(200);
  return browser;
}

const cookieHeader = (cookies: Map<string, string>) => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
const sessionWith = async (cookies: Map<string, string>) =>
  (await fetch(`${origin}/bff/session`, { headers: { ...json, cookie: cookieHeader(cookies) } })).json();

describe('stateless (cookie) sessions', () => {
  it('round-trips a session larger than 4 KB through numbered __Host- cookies', async () => {
    const browser = await bigSession();
    const cookies = browser.cookies(origin);
    const chunks = [...cookies.keys()].filter((name) => name.startsWith('__Host-cloakroom.'));
    expect(chunks).toEqual(['__Host-cloakroom.0', '__Host-cloakroom.1']);
    const total = chunks.reduce((size, name) => size + cookies.get(name)!.length, 0);
    expect(total).toBeGreaterThan(4096);
    expect(await sessionWith(cookies)).toMatchObject({ authenticated: true, user: { sub: 'alice', name: 'Alice Anderson' } });

    // And the tokens inside work: each API gets its own audience's token.
    await browser.fetch(`${origin}/bff/api/orders/x`, { headers: json });
    expect(decodeJwt(upstream.requests.at(-1)!.headers.authorization!.split(' ')[1]!).aud).toBe(ORDERS_RESOURCE);
    await browser.fetch(`${origin}/bff/api/reports/x`, { headers: json });
    expect(decodeJwt(upstream.requests.at(-1)!.headers.authorization!.split(' ')[1]!).aud).toBe(REPORTS_RESOURCE);
  });

  it('sets every chunk HttpOnly, Secure, SameSite=Strict', async () => {
    const browser = new TestBrowser();
    const start = await browser.fetch(`${origin}/bff/login`);
    const { visited } = await signIn(browser, start.headers.get('location')!, { username: 'alice', password: 'alice-password' });
    expect(visited.some((url) => url.startsWith(`${origin}/bff/callback`))).toBe(true);
    const response = await browser.fetch(`${origin}/bff/api/reports/x`, { headers: json });
    const setCookies = response.headers.getSetCookie().filter((cookie) => cookie.startsWith('__Host-cloakroom.'));
    expect(setCookies.length).toBeGreaterThanOrEqual(2);
    for (const cookie of setCookies) expect(cookie).toMatch(/; Path=\/; HttpOnly; Secure; SameSite=Strict$/);
  });

  it('treats a missing, tampered or reordered chunk as no session', async () => {
    const cookies = (await bigSession()).cookies(origin);
    const missing = new Map(cookies);
    missing.delete('__Host-cloakroom.1');
    expect(await sessionWith(missing)).toEqual({ authenticated: false });

    const missingFirst = new Map(cookies);
    missingFirst.delete('__Host-cloakroom.0');
    expect(await sessionWith(missingFirst)).toEqual({ authenticated: false });

    const tampered = new Map(cookies);
    const chunk = tampered.get('__Host-cloakroom.1')!;
    tampered.set('__Host-cloakroom.1', `${chunk.slice(0, 100)}${chunk[100] === 'a' ? 'b' : 'a'}${chunk.slice(101)}`);
    expect(await sessionWith(tampered)).toEqual({ authenticated: false });

    const swapped = new Map(cookies);
    swapped.set('__Host-cloakroom.0', cookies.get('__Host-cloakroom.1')!);
    swapped.set('__Host-cloakroom.1', cookies.get('__Host-cloakroom.0')!);
    expect(await sessionWith(swapped)).toEqual({ authenticated: false });
  });

  it('refreshes with rotation and hands the browser the new tokens; a stale cookie does not reuse the spent refresh token', async () => {
    const browser = await bigSession();
    const stale = browser.cookies(origin);
    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
    const grants = stack.idp.counts.refreshTokenGrants;
    const errors: string[] = [];
    stack.idp.provider.on('grant.error', (_ctx: unknown, error: { error?: string }) => errors.push(error.error ?? 'error'));

    const refreshed = await browser.fetch(`${origin}/bff/api/orders/x`, { headers: json });
    expect(refreshed.status).toBe(200);
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
    expect(browser.cookies(origin).get('__Host-cloakroom.0')).not.toBe(stale.get('__Host-cloakroom.0'));

    // A request still carrying the old cookie (sent before the new one arrived) gets the new tokens.
    const late = await fetch(`${origin}/bff/api/orders/x`, { headers: { ...json, cookie: cookieHeader(stale) } });
    expect(late.status).toBe(200);
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
    expect(errors).toEqual([]);
  });

  it('refuses the cookies of an IdP session ended by back-channel logout (on this instance)', async () => {
    const browser = await bigSession();
    const cookies = browser.cookies(origin);
    const confirm = await browser.follow(`${stack.idp.issuer}/session/end`);
    await submitForm(browser, { url: confirm.url, html: await confirm.text() }, { button: 'Sign out' });
    expect(await sessionWith(cookies)).toEqual({ authenticated: false });
  });

  it('rewrites the cookie for the idle timeout only once a quarter of the window has passed', async () => {
    const sliding = await startStack(() => ({}), { bff: { session: { store: 'cookie', idleTimeout: 8, absoluteLifetime: 60 } } });
    try {
      const browser = new TestBrowser();
      await signIn(browser, `${sliding.bff.origin}/bff/login`, { username: 'alice', password: 'alice-password' });
      const rewrites = async () => {
        const response = await browser.fetch(`${sliding.bff.origin}/bff/session`, { headers: json });
        expect(await response.json()).toMatchObject({ authenticated: true });
        return response.headers.getSetCookie().filter((cookie) => cookie.startsWith('__Host-cloakroom.')).length;
      };
      // Times are whole seconds: within the first second a quarter (2 s) cannot have passed.
      for (let i = 0; i < 5; i++) expect(await rewrites()).toBe(0);
      await sleep(2100);
      expect(await rewrites()).toBeGreaterThan(0);
      expect(await rewrites()).toBe(0);
    } finally {
      await sliding.close();
    }
  });

  it('signs a user out everywhere on this instance with revokeUser', async () => {
    const cookies = (await bigSession()).cookies(origin);
    expect(await sessionWith(cookies)).toMatchObject({ authenticated: true });
    expect(await stack.bff.app.sessions.revokeUser('alice')).toBe(0); // cannot count cookies it does not hold
    expect(await sessionWith(cookies)).toEqual({ authenticated: false });
    await sleep(1000); // sessions are void when created up to the second of the revocation
    expect(await sessionWith((await bigSession()).cookies(origin))).toMatchObject({ authenticated: true });
  });
});
