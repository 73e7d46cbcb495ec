import { bffClient, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startIdp, type RunningIdp } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSessionStore } from '../src/sessions/stores/redis.js';
import { replayCallback, signInCapturingCallback } from './callback-capture.js';
import { startRedis, type RedisServer } from '@cloakroom/test-harness/redis';
import { COOKIE_SECRET, ORDERS_RESOURCE, startBff, type RunningBff } from './stack.js';
import { startUpstream, type CapturingUpstream } from './upstream.js';

const ACCESS_TOKEN_TTL = 3;
const STORE_SECRET = 'a-session-store-secret-of-32-characters+';
const json = { 'x-csrf': '1' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let redis: RedisServer;
let idp: RunningIdp;
let upstream: CapturingUpstream;
const clients: { destroy(): void }[] = [];
const instances: RunningBff[] = [];
let publicOrigin: string;

/** One BFF instance as its own process would be: its own Redis connection and store, one shared Redis. */
async function startInstance(): Promise<RunningBff> {
  const client = createClient({
    url: redis.url,
    disableOfflineQueue: true,
    // Generous for a busy test machine; a stopped Redis fails at once anyway (no offline queue).
    commandOptions: { timeout: 5_000 },
    socket: { connectTimeout: 1_000, reconnectStrategy: () => 50 },
  });
  client.on('error', () => {}); // required by node-redis; outages are answered as 503s
  await client.connect();
  clients.push(client);
  const instance = await startBff(async (origin) => {
    publicOrigin ??= origin;
    idp ??= await startIdp({ port: 0, accessTokenTtl: ACCESS_TOKEN_TTL, clients: [bffClient({ origin })] });
    return {
      // Instances behind one load balancer share one public origin: the first instance's.
      baseUrl: publicOrigin,
      issuer: idp.issuer,
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      cookieSecret: COOKIE_SECRET,
      refreshMargin: 0.5,
      apis: { orders: { baseUrl: upstream.url, scopes: ['orders:read'], resource: ORDERS_RESOURCE } },
      session: { store: new RedisSessionStore({ client, secret: STORE_SECRET }) },
    };
  });
  instances.push(instance);
  return instance;
}

/** A store on its own connection to the shared Redis, to look at what the instances wrote. */
async function inspectorStore(): Promise<RedisSessionStore> {
  const inspector = createClient({ url: redis.url, disableOfflineQueue: true });
  inspector.on('error', () => {});
  await inspector.connect();
  clients.push(inspector);
  return new RedisSessionStore({ client: inspector, secret: STORE_SECRET });
}

beforeAll(async () => {
  redis = await startRedis();
  upstream = await startUpstream();
});
afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.close()));
  for (const client of clients) client.destroy();
  await idp?.close();
  await upstream.close();
  await redis.stop();
});

describe('several BFF instances sharing one Redis', () => {
  let first: RunningBff;
  let second: RunningBff;
  let browser: TestBrowser;
  /** The browser's session cookie, sent to whichever instance the "load balancer" picks. */
  const call = (instance: RunningBff, path = '/bff/api/orders/x') =>
    fetch(`${instance.origin}${path}`, {
      headers: { ...json, cookie: `__Host-cloakroom=${browser.cookies(publicOrigin).get('__Host-cloakroom')}` },
    });

  beforeAll(async () => {
    first = await startInstance();
    second = await startInstance();
    browser = new TestBrowser();
  });

  it('signs in through instance 1 and calls through instance 2', async () => {
    await signIn(browser, `${first.origin}/bff/login`, { username: 'alice', password: 'alice-password' });
    const session = await call(second, '/bff/session');
    expect(await session.json()).toMatchObject({ authenticated: true, user: { sub: 'alice' } });
    expect((await call(second)).status).toBe(200);
    expect(upstream.requests.at(-1)!.headers.authorization).toMatch(/^Bearer eyJ/);
  });

  it('makes concurrent calls over both instances after expiry share exactly one refresh grant', async () => {
    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
    const grants = idp.counts.refreshTokenGrants;
    const errors: string[] = [];
    idp.provider.on('grant.error', (_ctx: unknown, error: { error?: string }) => errors.push(error.error ?? 'error'));
    const before = upstream.requests.length;

    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => call(i % 2 === 0 ? first : second)));
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(idp.counts.refreshTokenGrants).toBe(grants + 1);
    expect(errors).toEqual([]);
    // Every call, on either instance, used the one refreshed token.
    expect(new Set(upstream.requests.slice(before).map((request) => request.headers.authorization)).size).toBe(1);
  });

  it('refuses on instance 2 a sign-in callback replayed after instance 1 completed it', async () => {
    const callback = await signInCapturingCallback(first.origin, { username: 'bob', password: 'bob-password' });
    const replayed = await replayCallback(callback, second.origin);
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({ code: 'invalid_callback', detail: 'This sign-in was completed already.' });
  });

  it('keeps the sessions of an instance that restarts', async () => {
    await second.close();
    instances.splice(instances.indexOf(second), 1);
    second = await startInstance();
    expect(await (await call(second, '/bff/session')).json()).toMatchObject({ authenticated: true });
    expect((await call(second)).status).toBe(200);
  });

  it('answers 503 session_store_unavailable while Redis is down, without crashing, and recovers', async () => {
    await redis.stop();
    for (const instance of [first, second]) {
      const response = await call(instance);
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ code: 'session_store_unavailable' });
      expect(response.headers.getSetCookie()).toEqual([]); // the cookie is kept for when Redis is back
    }
    await redis.restart();
    await expect.poll(async () => (await call(first)).status, { timeout: 10_000 }).toBe(200);
    await expect.poll(async () => (await call(second)).status, { timeout: 10_000 }).toBe(200);
    expect(await (await call(second, '/bff/session')).json()).toMatchObject({ authenticated: true });
  });

  it('ends the session with 401 session_expired (not a store error) when the IdP refused the refresh token under the lock', async () => {
    const store = await inspectorStore();
    const earlier = new Set(await store.idsBySub('bob'));
    const other = new TestBrowser();
    await signIn(other, `${first.origin}/bff/login`, { username: 'bob', password: 'bob-password' });
    const cookie = `__Host-cloakroom=${other.cookies(publicOrigin).get('__Host-cloakroom')}`;
    // Revoke this session's refresh token at the IdP behind the BFF's back (read from the shared store).
    const id = (await store.idsBySub('bob')).find((candidate) => !earlier.has(candidate));
    const revocation = await fetch(`${idp.issuer}/token/revocation`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`)}` },
      body: new URLSearchParams({ token: (await store.get(id!))!.refreshToken!, token_type_hint: 'refresh_token' }),
    });
    expect(revocation.status).toBe(200);
    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
    const response = await fetch(`${second.origin}/bff/api/orders/x`, { headers: { ...json, cookie } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'session_expired' });
    expect(await store.get(id!)).toBeUndefined();
  });

  it("keeps a user within maxPerUser sessions in Redis too, through a flood of 10× the cap, and other users' sessions alive", async () => {
    const store = await inspectorStore();
    // The attacker repeats the code flow 200 times (10× the default cap of 20), each time without
    // the BFF cookie of the last, over both instances.
    for (let i = 0; i < 200; i++) {
      await signIn(new TestBrowser(), `${(i % 2 === 0 ? first : second).origin}/bff/login`, { username: 'bob', password: 'bob-password' });
    }
    expect(await store.idsBySub('bob')).toHaveLength(20);
    expect(await (await call(first, '/bff/session')).json()).toMatchObject({ authenticated: true, user: { sub: 'alice' } });
  }, 90_000);

  it('wrote no token to the logs of either instance', () => {
    for (const instance of instances) expect(instance.logger.text()).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});
