import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBff, type Bff } from '@cloakroom/bff';
import { bffClient, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startIdp, type RunningIdp } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { serve } from '@hono/node-server';
import { createServer, type UserConfig, type ViteDevServer } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cloakroom, serverOrigin } from '../src/index.js';

// Sign-in through a Vite dev server with the real BFF and the real dev IdP, in both documented setups.

const alice = { username: 'alice', password: 'alice-password' };
const json = { 'x-csrf': '1', accept: 'application/json' };
const cookieSecret = 'a-test-cookie-secret-of-at-least-32-chars';
const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

let root: string;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cloakroom-vite-flow-'));
  await writeFile(join(root, 'index.html'), '<!doctype html><title>the app</title><div id="root"></div>\n');
});
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function startVite(config: UserConfig): Promise<{ vite: ViteDevServer; origin: string }> {
  const vite = await createServer({
    configFile: false,
    root,
    logLevel: 'silent',
    optimizeDeps: { noDiscovery: true, include: [] },
    ...config,
    server: { host: 'localhost', port: 0, ws: false, ...config.server },
  });
  cleanup.push(() => vite.close());
  await vite.listen();
  return { vite, origin: serverOrigin(vite.resolvedUrls)! };
}

async function startIdpFor(origin: string): Promise<RunningIdp> {
  const idp = await startIdp({ port: 0, clients: [bffClient({ origin })] });
  cleanup.push(() => idp.close());
  return idp;
}

const bffFor = (baseUrl: string, idp: RunningIdp): Bff =>
  createBff({ baseUrl, issuer: idp.issuer, clientId: DEMO_CLIENT_ID, clientSecret: DEMO_CLIENT_SECRET, cookieSecret, apis: {}, logger });

/** A BFF on its own port, whose app is bound once its config is known. */
async function startSeparateBff(): Promise<{ url: string; bind(app: Bff): void }> {
  let bind!: (app: Bff) => void;
  const app = new Promise<Bff>((resolve) => (bind = resolve));
  const server = serve({ fetch: async (request) => (await app).fetch(request), port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  cleanup.push(
    () =>
      new Promise((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return { url: `http://localhost:${(server.address() as AddressInfo).port}`, bind };
}

async function expectSignedIn(browser: TestBrowser, origin: string): Promise<void> {
  const session = await browser.fetch(`${origin}/bff/session`, { headers: json });
  expect(session.status).toBe(200);
  expect(await session.json()).toMatchObject({ authenticated: true, user: { sub: 'alice' } });
}

describe('sign-in on the Vite dev server', () => {
  it('with the plugin: the BFF made for the dev server origin brings the browser back to the app there', async () => {
    let idp: RunningIdp | undefined;
    const { origin } = await startVite({
      // The IdP learns the redirect URI when the port is known, as a real one is configured beforehand.
      plugins: [cloakroom({ bff: async (origin) => bffFor(origin, (idp = await startIdpFor(origin))) })],
    });
    const browser = new TestBrowser();
    const { response, visited } = await signIn(browser, `${origin}/bff/login?returnTo=%2Forders`, alice);
    expect(visited.some((url) => url.startsWith(`${idp!.issuer}/`))).toBe(true);
    expect(response.url).toBe(`${origin}/orders`);
    expect(await response.text()).toContain('<title>the app</title>'); // Vite's SPA fallback
    await expectSignedIn(browser, origin);
  });

  // The BFF compares the Host the request came with to its baseUrl's (and sends a stray sign-in to
  // baseUrl), so the proxy keeps the browser's Host, or names it in X-Forwarded-Host.
  it.each([
    ['keeping the Host header', {}],
    ['with changeOrigin and X-Forwarded-Host', { changeOrigin: true, xfwd: true }],
  ])('split hosts: Vite proxies /bff to a BFF whose baseUrl is the Vite origin (%s)', async (_, proxyOptions) => {
    const bff = await startSeparateBff();
    const { origin } = await startVite({ server: { proxy: { '/bff': { target: bff.url, ...proxyOptions } } } });
    bff.bind(bffFor(origin, await startIdpFor(origin)));

    const browser = new TestBrowser();
    const { response } = await signIn(browser, `${origin}/bff/login?returnTo=%2Forders`, alice);
    expect(response.url).toBe(`${origin}/orders`);
    expect(await response.text()).toContain('<title>the app</title>');
    await expectSignedIn(browser, origin);
  });

  it('split hosts done wrong: a BFF whose baseUrl is its own port sends the browser to that port, away from the app', async () => {
    const bff = await startSeparateBff();
    const { origin } = await startVite({ server: { proxy: { '/bff': { target: bff.url } } } });
    bff.bind(bffFor(bff.url, await startIdpFor(bff.url)));

    const browser = new TestBrowser();
    const { response } = await signIn(browser, `${origin}/bff/login?returnTo=%2Forders`, alice);
    expect(new URL(response.url).origin).toBe(bff.url);
    expect(new URL(response.url).origin).not.toBe(origin);
    expect(await response.text()).not.toContain('<title>the app</title>');
  });
});
