import { bffClient, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startIdp } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createBff, type BffConfig } from '../src/index.js';
import { memoryLogger } from './memory-logger.js';
import { freePort } from '@cloakroom/test-harness/loopback';
import { COOKIE_SECRET, startStack } from './stack.js';

const alice = { username: 'alice', password: 'alice-password' };
const json = { 'x-csrf': '1' };

let stack: Awaited<ReturnType<typeof startStack>>;
beforeAll(async () => {
  stack = await startStack(() => ({}), { bff: { errorPath: '/signin-problem' } });
});
afterAll(async () => {
  await stack.close();
});

describe('a person never lands on JSON', () => {
  it('sends a navigation to /login with a bad returnTo into the app, with the code only', async () => {
    const response = await new TestBrowser().fetch(`${stack.bff.origin}/bff/login?returnTo=https%3A%2F%2Fevil.example`, {
      headers: { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' },
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/signin-problem?cloakroom_error=invalid_request');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toBe('');
  });

  it('sends a callback with no sign-in in progress (a replayed or bookmarked one) into the app', async () => {
    const browser = new TestBrowser();
    const replayed = await browser.follow(`${stack.bff.origin}/bff/callback?code=old&state=old`, { initiator: null });
    expect(replayed.visited).toEqual([
      `${stack.bff.origin}/bff/callback?code=old&state=old`,
      `${stack.bff.origin}/signin-problem?cloakroom_error=invalid_callback`,
    ]);
  });

  it('keeps problem JSON for fetch callers of the same routes', async () => {
    const response = await new TestBrowser().fetch(`${stack.bff.origin}/bff/login?returnTo=//evil.example`, {
      headers: { 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('sends a sign-in that finds the IdP down into the app with idp_unavailable', async () => {
    const down = await startIdp({ port: 0 });
    await down.close();
    const logger = memoryLogger();
    const app = createBff({
      baseUrl: 'http://localhost:3999',
      issuer: down.issuer,
      clientId: 'x',
      clientSecret: 'y',
      cookieSecret: COOKIE_SECRET,
      logger,
    });
    const response = await app.request('http://localhost:3999/bff/login', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/?cloakroom_error=idp_unavailable');
  });
});

describe('one canonical origin', () => {
  it('redirects a sign-in started on 127.0.0.1 to the same path on the baseUrl host, and the sign-in completes there', async () => {
    const port = new URL(stack.bff.origin).port;
    const browser = new TestBrowser();
    const start = `http://127.0.0.1:${port}/bff/login?returnTo=%2Forders`;
    const moved = await browser.fetch(start, { initiator: null, navigation: true });
    expect(moved.status).toBe(302);
    expect(moved.headers.get('location')).toBe(`${stack.bff.origin}/bff/login?returnTo=%2Forders`);
    const { response } = await signIn(browser, start, alice);
    expect(response.url).toBe(`${stack.bff.origin}/orders`);
    expect(await (await browser.fetch(`${stack.bff.origin}/bff/session`, { headers: json })).json()).toMatchObject({ authenticated: true });
  });

  it('trusts the host a proxy says the browser used (X-Forwarded-Host), and can be turned off', async () => {
    const port = new URL(stack.bff.origin).port;
    const proxied = await fetch(`http://127.0.0.1:${port}/bff/login`, {
      headers: { 'x-forwarded-host': `localhost:${port}` },
      redirect: 'manual',
    });
    expect(proxied.headers.get('location')).not.toMatch(/^http:\/\/localhost/);
    const app = createBff({ ...inProcess(), redirectToBaseUrl: false });
    const response = await app.request('http://internal:8080/bff/login?returnTo=/x');
    expect(response.headers.get('location') ?? '').not.toMatch(/^http:\/\/localhost:3999\/bff\/login/);
  });
});

describe('several BFFs, one origin', () => {
  it('refuses a second BFF on the origin with the same cookie name, and accepts the same BFF created again', () => {
    const base = {
      baseUrl: 'http://localhost:3997',
      issuer: 'http://127.0.0.1:1',
      clientId: 'x',
      clientSecret: 'y',
      cookieSecret: COOKIE_SECRET,
      logger: memoryLogger(),
    };
    createBff({ ...base, basePath: '/one/bff' });
    expect(() => createBff({ ...base, basePath: '/one/bff' })).not.toThrow();
    let error: unknown;
    try {
      createBff({ ...base, basePath: '/two/bff' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: 'cookieName' });
    expect(() => createBff({ ...base, basePath: '/two/bff', cookieName: 'two' })).not.toThrow();
  });

  it('keeps the sessions of two BFFs with their own cookie names apart', async () => {
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    const idp = await startIdp({
      port: 0,
      clients: [bffClient({ origin, basePath: '/shop/bff' }), bffClient({ origin, basePath: '/admin/bff', clientId: 'admin-bff' })],
    });
    const mount = (basePath: string, clientId: string, cookieName: string) =>
      createBff({
        baseUrl: origin,
        issuer: idp.issuer,
        clientId,
        clientSecret: DEMO_CLIENT_SECRET,
        cookieSecret: COOKIE_SECRET,
        basePath,
        cookieName,
        logger: memoryLogger(),
      });
    const host = new Hono().route('/', mount('/shop/bff', DEMO_CLIENT_ID, 'shop')).route('/', mount('/admin/bff', 'admin-bff', 'admin'));
    const server = serve({ fetch: host.fetch, port, hostname: '127.0.0.1' });
    try {
      const browser = new TestBrowser();
      await signIn(browser, `${origin}/shop/bff/login`, alice);
      expect([...browser.cookies(origin).keys()]).toEqual(['__Host-shop']);
      expect(await (await browser.fetch(`${origin}/shop/bff/session`, { headers: json })).json()).toMatchObject({ authenticated: true });
      expect(await (await browser.fetch(`${origin}/admin/bff/session`, { headers: json })).json()).toEqual({ authenticated: false });
    } finally {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await idp.close();
    }
  });
});

describe('unknown BFF paths', () => {
  it('answer 404 not_found even when the BFF is mounted in a host app with a catch-all', async () => {
    const host = new Hono();
    host.route('/', createBff(inProcess()));
    host.get('*', (c) => c.html('<!doctype html><p>the SPA</p>'));
    const unknown = await host.request('http://localhost:3999/bff/nope', { headers: json });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'not_found' });
    expect(await (await host.request('http://localhost:3999/orders')).text()).toContain('the SPA');
  });
});

function inProcess(): BffConfig {
  return {
    baseUrl: 'http://localhost:3999',
    issuer: stack.idp.issuer,
    clientId: DEMO_CLIENT_ID,
    clientSecret: DEMO_CLIENT_SECRET,
    cookieSecret: COOKIE_SECRET,
    logger: memoryLogger(),
  };
}
