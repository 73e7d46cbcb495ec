import { createDpopNonces } from '@cloakroom/guard';
import { dpopProof, generateDpopKey, signIn, TestBrowser } from '@cloakroom/idp/testing';
import { registry } from '@cloakroom/test-harness';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemorySessionStore, type Session } from '../src/index.js';
import { startGuardedApi, type Arrival, type GuardedApi } from './guarded-api.js';
import { ORDERS_RESOURCE, REPORTS_RESOURCE, startStack } from './stack.js';

const alice = { username: 'alice', password: 'alice-password' };
const bob = { username: 'bob', password: 'bob-password' };
const json = { 'x-csrf': '1', accept: 'application/json' };
const ACCESS_TOKEN_TTL = 3;
const NONCE_SECRET = 'a-dpop-nonce-secret-of-the-test-api-32+';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let store: MemorySessionStore;
let stack: Awaited<ReturnType<typeof startStack>>;
/** Alice's orders (DPoP only), the same API asking for nonces, the reports API (bearer), a back office (DPoP, the BFF's own token). */
let orders: GuardedApi;
let nonceOrders: GuardedApi;
let reports: GuardedApi;
let backOffice: GuardedApi;
/** The IdP's refusals of token requests (`use_dpop_nonce`, `invalid_grant`, …), in order. */
let grantErrors: string[] = [];

beforeAll(async () => {
  [orders, nonceOrders, reports, backOffice] = await Promise.all([
    startGuardedApi(ORDERS_RESOURCE, 'dpop'),
    startGuardedApi(ORDERS_RESOURCE, 'dpop', { nonces: createDpopNonces({ secret: NONCE_SECRET }) }),
    startGuardedApi(REPORTS_RESOURCE, 'bearer'),
    startGuardedApi(ORDERS_RESOURCE, 'dpop'),
  ]);
  store = new MemorySessionStore();
  stack = await startStack(
    () => ({
      orders: { baseUrl: orders.url, scopes: ['orders:read', 'orders:write'], resource: ORDERS_RESOURCE, tokenBinding: 'dpop' },
      nonceOrders: { baseUrl: nonceOrders.url, resource: ORDERS_RESOURCE, tokenBinding: 'dpop' },
      reports: { baseUrl: reports.url, scopes: ['reports:read'], resource: REPORTS_RESOURCE },
      backOffice: { baseUrl: backOffice.url, token: 'client', scopes: ['orders:read'], resource: ORDERS_RESOURCE, tokenBinding: 'dpop' },
    }),
    // The IdP wants its own nonce in every proof, as Okta's and Auth0's do.
    { idp: { accessTokenTtl: ACCESS_TOKEN_TTL, dpopNonces: true }, bff: { session: { store }, refreshMargin: 0.5 } },
  );
  for (const api of [orders, nonceOrders, reports, backOffice]) api.guard(stack.idp.issuer);
  stack.idp.provider.on('grant.error', (_ctx: unknown, error: { error?: string }) => grantErrors.push(error.error ?? 'error'));
});
afterAll(async () => {
  await stack.close();
  await Promise.all([orders, nonceOrders, reports, backOffice].map((api) => api.close()));
});
beforeEach(() => {
  grantErrors = [];
});

/** The session of the BFF's store that `browser` holds (the only one of its user in this file's stacks). */
async function storedSession(sub: string): Promise<Session> {
  const ids = await store.idsBySub(sub);
  const sessions = await Promise.all(ids.map((id) => store.get(id)));
  return sessions.filter((session) => session !== undefined).sort((a, b) => b.createdAt - a.createdAt)[0]!;
}

/** A session's public DPoP key thumbprint (RFC 7638): the `cnf.jkt` of the tokens bound to it. */
async function sessionJkt(session: Session): Promise<string> {
  const { kty, crv, x, y, d } = session.dpopKey!;
  // The private part is a secret like the tokens: the run-wide log scan must not find it anywhere.
  registry.record('DPoP private key', d);
  return calculateJwkThumbprint({ kty, crv, x, y });
}

/** The access token and proof of a request that reached an API, recorded for the log scan. */
function credentials(arrival: Arrival): { scheme: string; token: string; proof: string | undefined } {
  const [scheme = '', token = ''] = (arrival.authorization ?? '').split(' ');
  registry.record('access token', token);
  registry.record('DPoP proof', arrival.dpop);
  return { scheme, token, proof: arrival.dpop };
}

async function signedIn(user = alice) {
  const browser = new TestBrowser();
  await signIn(browser, `${stack.bff.origin}/bff/login`, user);
  const call = (api: string, init: RequestInit = {}) =>
    browser.fetch(`${stack.bff.origin}/bff/api/${api}/orders`, { ...init, headers: { ...json, ...init.headers } });
  return { browser, call, session: await storedSession(user.username) };
}

let browser: Awaited<ReturnType<typeof signedIn>>;

describe('DPoP (RFC 9449) through the BFF', () => {
  it('signs in with a DPoP-bound token: the IdP asks for its nonce once per BFF, not once per sign-in', async () => {
    browser = await signedIn();
    // The code exchange was made with a proof; the IdP wanted its nonce, and the retry carried it.
    expect(grantErrors).toEqual(['use_dpop_nonce']);
    expect(stack.idp.counts.authorizationCodeGrants).toBe(1);
    expect(browser.session.dpopKey).toMatchObject({ kty: 'EC', crv: 'P-256' });
    const token = browser.session.accessTokens[ORDERS_RESOURCE]!;
    expect(token.tokenType).toBe('DPoP');
    expect(decodeJwt(token.value)).toMatchObject({ aud: ORDERS_RESOURCE, sub: 'alice', cnf: { jkt: await sessionJkt(browser.session) } });

    // Bob's sign-in brings his own key, and the IdP's nonce that the BFF kept: no second challenge.
    grantErrors = [];
    const second = await signedIn(bob);
    expect(grantErrors).toEqual([]);
    expect(await sessionJkt(second.session)).not.toBe(await sessionJkt(browser.session));
  });

  it('proxies a GET and a POST with the DPoP-bound token and a fresh proof of the session key', async () => {
    const got = await browser.call('orders');
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({ sub: 'alice' });
    const first = credentials(orders.last());
    expect(first.scheme).toBe('DPoP');
    expect(decodeJwt(first.token).cnf).toEqual({ jkt: await sessionJkt(browser.session) });
    const header = decodeProtectedHeader(first.proof!);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(await calculateJwkThumbprint(header.jwk as JWK)).toBe(await sessionJkt(browser.session));
    expect(header.jwk).not.toHaveProperty('d');
    expect(decodeJwt(first.proof!)).toMatchObject({ htm: 'GET', htu: `${orders.url}/orders` });

    const posted = await browser.call('orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'a bound coat' }),
    });
    expect(posted.status).toBe(201);
    expect(await posted.json()).toEqual({ sub: 'alice', order: { item: 'a bound coat' } });
    const second = credentials(orders.last());
    expect(second.token).toBe(first.token);
    expect(second.proof).not.toBe(first.proof);
    expect(decodeJwt(second.proof!)).toMatchObject({ htm: 'POST', htu: `${orders.url}/orders` });
  });

  it('gives the bearer API beside it a bearer token, without a proof', async () => {
    const response = await browser.call('reports');
    expect(response.status).toBe(200);
    const { scheme, token, proof } = credentials(reports.last());
    expect(scheme).toBe('Bearer');
    expect(proof).toBeUndefined();
    expect(decodeJwt(token)).toMatchObject({ aud: REPORTS_RESOURCE, sub: 'alice' });
    expect(decodeJwt(token).cnf).toBeUndefined();
    expect((await storedSession('alice')).accessTokens[REPORTS_RESOURCE]?.tokenType).toBeUndefined();
  });

  it("answers the API's nonce challenge with exactly one retry, and sends the nonce from then on", async () => {
    const before = nonceOrders.arrivals.length;
    const response = await browser.call('nonceOrders');
    expect(response.status).toBe(200);
    const [challenged, retried] = nonceOrders.arrivals.slice(before);
    expect(nonceOrders.arrivals.length).toBe(before + 2);
    expect(decodeJwt(challenged!.dpop!).nonce).toBeUndefined();
    expect(typeof decodeJwt(retried!.dpop!).nonce).toBe('string');

    // The nonce is kept for that API: the next call, even with a body, needs no retry.
    const posted = await browser.call('nonceOrders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'with a nonce' }),
    });
    expect(posted.status).toBe(201);
    expect(nonceOrders.arrivals.length).toBe(before + 3);
    expect(decodeJwt(nonceOrders.last().dpop!).nonce).toBe(decodeJwt(retried!.dpop!).nonce);
  });

  it("binds the BFF's own client-credentials token to the BFF's key, the same for every user", async () => {
    expect((await browser.call('backOffice')).status).toBe(200);
    const forAlice = credentials(backOffice.last());
    expect((await (await signedIn(bob)).call('backOffice')).status).toBe(200);
    const forBob = credentials(backOffice.last());
    expect(forAlice.scheme).toBe('DPoP');
    expect(forBob.token).toBe(forAlice.token); // cached: one grant
    const { jkt } = decodeJwt(forAlice.token).cnf as { jkt: string };
    expect(await calculateJwkThumbprint(decodeProtectedHeader(forBob.proof!).jwk as JWK)).toBe(jkt);
    expect(jkt).not.toBe(await sessionJkt(browser.session));
  });

  it('refreshes an expired DPoP-bound token into a new one bound to the same key', async () => {
    const { token: old } = credentials(orders.last());
    const grants = stack.idp.counts.refreshTokenGrants;
    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
    const response = await browser.call('orders');
    expect(response.status).toBe(200);
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
    expect(grantErrors).toEqual([]); // the refresh's proof carried the IdP's nonce at once
    const { token } = credentials(orders.last());
    expect(token).not.toBe(old);
    expect(decodeJwt(token).cnf).toEqual({ jkt: await sessionJkt(browser.session) });
    expect((await storedSession('alice')).dpopKey).toEqual(browser.session.dpopKey);
  });
});

describe('a DPoP-bound token the BFF sent, captured at the API and replayed', () => {
  let captured: { token: string; proof: string };
  const replay = (headers: Record<string, string>, path = '/orders') => fetch(`${orders.url}${path}`, { headers });
  const challengeOf = async (response: Response) => {
    await response.body?.cancel();
    return { status: response.status, challenge: response.headers.get('www-authenticate') };
  };

  beforeAll(async () => {
    expect((await browser.call('orders')).status).toBe(200);
    const { token, proof } = credentials(orders.last());
    captured = { token, proof: proof! };
  });

  it('is refused without a proof: as a bearer token, or with the DPoP scheme and no DPoP header', async () => {
    expect(await challengeOf(await replay({ authorization: `Bearer ${captured.token}` }))).toMatchObject({
      status: 401,
      challenge: expect.stringMatching(/^DPoP /) as unknown,
    });
    expect(await challengeOf(await replay({ authorization: `DPoP ${captured.token}` }))).toMatchObject({
      status: 401,
      challenge: expect.stringContaining('error="invalid_dpop_proof"') as unknown,
    });
  });

  it("is refused with another key's proof, however well formed", async () => {
    const thief = await generateDpopKey();
    const proof = await dpopProof(thief, { htm: 'GET', htu: `${orders.url}/orders`, accessToken: captured.token });
    expect(await challengeOf(await replay({ authorization: `DPoP ${captured.token}`, dpop: proof }))).toMatchObject({
      status: 401,
      challenge: expect.stringContaining('error="invalid_token"') as unknown,
    });
  });

  it('is refused with the captured proof, replayed', async () => {
    expect(await challengeOf(await replay({ authorization: `DPoP ${captured.token}`, dpop: captured.proof }))).toMatchObject({
      status: 401,
      challenge: expect.stringContaining('error="invalid_dpop_proof"') as unknown,
    });
  });

  it('is refused for another URL, with the proof that came with it', async () => {
    expect(await challengeOf(await replay({ authorization: `DPoP ${captured.token}`, dpop: captured.proof }, '/orders/all'))).toMatchObject(
      {
        status: 401,
        challenge: expect.stringContaining('error="invalid_dpop_proof"') as unknown,
      },
    );
  });

  it('leaves no DPoP key or proof in any log line of the BFF', () => {
    expect(stack.bff.logger.lines.length).toBeGreaterThan(0);
    expect(registry.findLeaks(stack.bff.logger.text())).toEqual([]);
  });
});

describe('DPoP with stateless sessions', () => {
  it('keeps the session key sealed in the cookie, and signs with it', async () => {
    const api = await startGuardedApi(ORDERS_RESOURCE, 'dpop');
    const cookieStack = await startStack(
      () => ({ orders: { baseUrl: api.url, scopes: ['orders:read'], resource: ORDERS_RESOURCE, tokenBinding: 'dpop' } }),
      { bff: { session: { store: 'cookie' } } },
    );
    try {
      api.guard(cookieStack.idp.issuer);
      const cookieBrowser = new TestBrowser();
      await signIn(cookieBrowser, `${cookieStack.bff.origin}/bff/login`, alice);
      const response = await cookieBrowser.fetch(`${cookieStack.bff.origin}/bff/api/orders/orders`, { headers: json });
      expect(response.status).toBe(200);
      const { scheme, token, proof } = credentials(api.last());
      expect(scheme).toBe('DPoP');
      expect(await calculateJwkThumbprint(decodeProtectedHeader(proof!).jwk as JWK)).toBe((decodeJwt(token).cnf as { jkt: string }).jkt);
      // The key rides in the sealed cookie, which still fits in one.
      const chunks = [...cookieBrowser.cookies(cookieStack.bff.origin).keys()].filter((name) => name.startsWith('__Host-cloakroom.'));
      expect(chunks).toEqual(['__Host-cloakroom.0']);
    } finally {
      await cookieStack.close();
      await api.close();
    }
  });
});
