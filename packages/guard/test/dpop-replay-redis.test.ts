import { dpop, expectRefusal, idpOptions, protectedApp, requestUrl } from './support.js';
import { ORDERS_API, startIdp } from '@cloakroom/idp';
import type { RunningIdp } from '@cloakroom/idp';
import { clientToken, dpopProof, generateDpopKey } from '@cloakroom/idp/testing';
import type { DpopKey } from '@cloakroom/idp/testing';
import { startRedis } from '@cloakroom/test-harness/redis';
import type { RedisServer } from '@cloakroom/test-harness/redis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisReplayStore } from '../src/redis-replay-store.js';

const PREFIX = 'test:guard:';

let idp: RunningIdp;
let redis: RedisServer;
let key: DpopKey;
let token: string;
const clients: ReturnType<typeof createRecommendedClient>[] = [];
/** Connection errors the clients reported; a listener is required, or they would end the process. */
const clientErrors: Error[] = [];
/** Why each refusal happened, as `onError` reports it. */
const reasons: string[] = [];

/** A client with the options RedisReplayStore's documentation gives (reconnecting faster, for the test). */
function createRecommendedClient(url: string) {
  return createClient({ url, disableOfflineQueue: true, commandOptions: { timeout: 1_000 }, socket: { reconnectStrategy: () => 50 } });
}

async function connectClient(url: string) {
  const client = createRecommendedClient(url);
  client.on('error', (error: Error) => clientErrors.push(error));
  await client.connect();
  clients.push(client);
  return client;
}

/** One instance of the orders API (DPoP only), with its own Redis connection to the shared replay cache. */
async function apiInstance(url = redis.url) {
  const replay = new RedisReplayStore({ client: await connectClient(url), prefix: PREFIX });
  return protectedApp({
    issuer: idp.issuer,
    audience: ORDERS_API,
    typ: 'at+jwt',
    tokenBinding: 'dpop',
    dpop: { replay },
    onError: (error) => reasons.push(error.message),
  });
}

const proof = () => dpopProof(key, { htm: 'GET', htu: requestUrl('/read'), accessToken: token });

beforeAll(async () => {
  redis = await startRedis();
  idp = await startIdp(idpOptions());
  key = await generateDpopKey();
  token = await clientToken(idp.issuer, ORDERS_API, 'orders:read', { dpop: key });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await idp?.close();
  await redis?.stop();
});

describe('RedisReplayStore: one replay cache for every instance of an API', () => {
  it('refuses on instance B a proof that instance A accepted', async () => {
    const [a, b] = [await apiInstance(), await apiInstance()];
    const once = await proof();
    expect((await a.request('/read', { headers: dpop(token, once) })).status).toBe(200);
    await expectRefusal(
      await b.request('/read', { headers: dpop(token, once) }),
      401,
      'invalid_dpop_proof',
      `DPoP realm="${ORDERS_API}", error="invalid_dpop_proof", algs="ES256 EdDSA Ed25519 PS256 RS256"`,
    );
    expect(reasons.at(-1)).toMatch(/replayed/);
    expect((await b.request('/read', { headers: dpop(token, await proof()) })).status).toBe(200);
  });

  it('keeps each jti under its prefix, hashed, until the proof would be too old anyway (SET NX EX)', async () => {
    const [client] = clients;
    await client!.flushAll();
    const api = await apiInstance();
    expect((await api.request('/read', { headers: dpop(token, await proof()) })).status).toBe(200);
    const keys = await client!.keys('*');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^test:guard:dpop:[A-Za-z0-9_-]{43}$/);
    const ttl = await client!.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(61); // the 60 s iat window, and the second being counted
  });

  it('fails closed (503) while Redis is unreachable, and works again once it is back', async () => {
    const own = await startRedis(); // its own server: stopping it leaves the other tests alone
    try {
      const api = await apiInstance(own.url);
      expect((await api.request('/read', { headers: dpop(token, await proof()) })).status).toBe(200);
      await own.stop();
      await expectRefusal(await api.request('/read', { headers: dpop(token, await proof()) }), 503, 'temporarily_unavailable', null);
      expect(reasons.at(-1)).toMatch(/replay cache failed/);
      await own.restart();
      await vi.waitFor(async () => expect((await api.request('/read', { headers: dpop(token, await proof()) })).status).toBe(200), {
        timeout: 5_000,
        interval: 50,
      });
    } finally {
      await own.stop();
    }
  });

  it('refuses a client that would queue commands while Redis is unreachable', () => {
    const queueing = createClient({ url: redis.url });
    expect(() => new RedisReplayStore({ client: queueing })).toThrow(/disableOfflineQueue/);
  });
});
