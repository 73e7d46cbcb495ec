import { createHash, randomUUID } from 'node:crypto';
import { LEDGER_API, LEDGER_CLIENT, bearer, dpop, expectRefusal, idpOptions, protectedApp, requestUrl, sleep } from './support.js';
import { ORDERS_API, startIdp } from '@cloakroom/idp';
import type { RunningIdp } from '@cloakroom/idp';
import { clientToken, decodeJwt, dpopProof, generateDpopKey } from '@cloakroom/idp/testing';
import type { DpopKey, DpopProofOptions } from '@cloakroom/idp/testing';
import { Hono } from 'hono';
import { SignJWT, base64url, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryReplayStore, createDpopNonces, requireAccessToken, requireDpop, requireScope } from '../src/index.js';
import type { AccessTokenEnv, AccessTokenOptions, DpopReplayStore } from '../src/index.js';

const realm = ORDERS_API;
const ALGS = 'algs="ES256 EdDSA Ed25519 PS256 RS256"';
const INVALID_PROOF = `DPoP realm="${realm}", error="invalid_dpop_proof", ${ALGS}`;
const INVALID_DPOP_TOKEN = `DPoP realm="${realm}", error="invalid_token", ${ALGS}`;
const NONCE_SECRET = 'a-dpop-nonce-secret-of-at-least-32-characters';

let idp: RunningIdp;
/** The client's DPoP key, and an orders token bound to it by the dev IdP. */
let key: DpopKey;
let token: string;
let api: ReturnType<typeof protectedApp>;
/** Why each refusal happened, as `onError` reports it (the response never says). */
const reasons: string[] = [];

/** An orders API that accepts only DPoP-bound tokens. */
const ordersApi = (overrides: Partial<AccessTokenOptions> = {}) =>
  protectedApp({
    issuer: idp.issuer,
    audience: ORDERS_API,
    typ: 'at+jwt',
    tokenBinding: 'dpop',
    onError: (error) => reasons.push(error.message),
    ...overrides,
  });

/** A proof for `GET /read` with `token`, made with the token's key unless `signer` says otherwise. */
const proof = (options: Partial<DpopProofOptions> = {}, signer = key) =>
  dpopProof(signer, { htm: 'GET', htu: requestUrl('/read'), accessToken: token, ...options });

const now = () => Math.floor(Date.now() / 1000);

async function expectProofRefused(response: Response, reason: RegExp) {
  await expectRefusal(response, 401, 'invalid_dpop_proof', INVALID_PROOF);
  expect(reasons.at(-1)).toMatch(reason);
}

async function expectTokenRefused(response: Response, reason: RegExp, authenticate = INVALID_DPOP_TOKEN) {
  await expectRefusal(response, 401, 'invalid_token', authenticate);
  expect(reasons.at(-1)).toMatch(reason);
}

beforeAll(async () => {
  idp = await startIdp(idpOptions());
  key = await generateDpopKey();
  token = await clientToken(idp.issuer, ORDERS_API, 'orders:read orders:write', { dpop: key });
  api = ordersApi();
});

afterAll(() => idp.close());

describe('a DPoP-bound access token from the dev IdP', () => {
  it('is bound to the client key: cnf.jkt is its thumbprint', async () => {
    expect(decodeJwt(token).payload.cnf).toEqual({ jkt: await calculateJwkThumbprint(key.publicJwk) });
  });

  it('is accepted with a proof for this request made with its key', async () => {
    const response = await api.request('/read', { headers: dpop(token, await proof()) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ aud: ORDERS_API, cnf: { jkt: expect.any(String) } });
    const write = await api.request('/write', {
      method: 'POST',
      headers: dpop(token, await proof({ htm: 'POST', htu: requestUrl('/write') })),
    });
    expect(write.status).toBe(200);
  });

  it('is accepted whatever the query and fragment, and however the scheme and host are spelled', async () => {
    const htu = 'HTTP://LocalHost:80/read?page=2#top';
    expect((await api.request('/read?page=3', { headers: dpop(token, await proof({ htu })) })).status).toBe(200);
  });
});

describe('the same token is refused', () => {
  it('without a proof: as a Bearer token, or with the DPoP scheme and no DPoP header', async () => {
    const either = ordersApi({ tokenBinding: 'bearer-or-dpop' });
    await expectTokenRefused(
      await either.request('/read', { headers: bearer(token) }),
      /sender-constrained token presented as a bearer token/,
      `Bearer realm="${realm}", error="invalid_token"`,
    );
    await expectRefusal(await api.request('/read', { headers: bearer(token) }), 401, 'missing_token', `DPoP realm="${realm}", ${ALGS}`);
    await expectProofRefused(await api.request('/read', { headers: { authorization: `DPoP ${token}` } }), /no DPoP header/);
  });

  it("with a proof made with another key (its own jwk, valid signature): the token's binding fails", async () => {
    await expectTokenRefused(await api.request('/read', { headers: dpop(token, await proof({}, await generateDpopKey())) }), /another key/);
  });

  it('with a replayed proof (the same jti)', async () => {
    const once = await proof();
    expect((await api.request('/read', { headers: dpop(token, once) })).status).toBe(200);
    await expectProofRefused(await api.request('/read', { headers: dpop(token, once) }), /replayed/);
  });

  it('with a proof for another URL, host or method', async () => {
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ htu: requestUrl('/any') })) }), /"htu"/);
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ htu: 'https://localhost/read' })) }), /"htu"/);
    await expectProofRefused(
      await api.request('/read', { headers: dpop(token, await proof({ htu: 'http://api.example/read' })) }),
      /"htu"/,
    );
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ htu: 'not a url' })) }), /"htu"/);
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ htm: 'POST' })) }), /"htm"/);
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ htm: 'get' })) }), /"htm"/);
  });

  it('with a proof for another token (ath), or for none', async () => {
    const other = await clientToken(idp.issuer, ORDERS_API, 'orders:read', { dpop: key });
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ accessToken: other })) }), /"ath"/);
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ claims: { ath: undefined } })) }), /"ath"/);
  });

  it('with a proof issued too long ago, or in the future (beyond the 60 s window)', async () => {
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ claims: { iat: now() - 120 } })) }), /"iat"/);
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ claims: { iat: now() + 120 } })) }), /"iat"/);
    await expectProofRefused(
      await api.request('/read', { headers: dpop(token, await proof({ claims: { iat: String(now()) } })) }),
      /"iat"/,
    );
    expect((await api.request('/read', { headers: dpop(token, await proof({ claims: { iat: now() - 30 } })) })).status).toBe(200);
  });

  it('with a proof whose typ is not dpop+jwt, or without jti', async () => {
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ header: { typ: 'JWT' } })) }), /"typ"/);
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ header: { typ: undefined } })) }), /"typ"/);
    await expectProofRefused(await api.request('/read', { headers: dpop(token, await proof({ claims: { jti: undefined } })) }), /"jti"/);
  });

  it('with an HS256 proof, or an unsigned one (alg none)', async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const claims = {
      jti: randomUUID(),
      htm: 'GET',
      htu: requestUrl('/read'),
      iat: now(),
      ath: createHash('sha256').update(token).digest('base64url'),
    };
    // jose's types forbid a secret in `jwk`; an attacker's proof need not follow them.
    const jwk = { kty: 'oct', k: base64url.encode(secret) } as Record<string, string>;
    const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk }).sign(secret);
    await expectProofRefused(await api.request('/read', { headers: dpop(token, hs256) }), /ERR_JOSE_ALG_NOT_ALLOWED/);
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })}.${encode(claims)}.`;
    await expectProofRefused(await api.request('/read', { headers: dpop(token, unsigned) }), /ERR_JOSE_ALG_NOT_ALLOWED/);
  });

  it('with a private key in the jwk header (the same key: only that differs)', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const exposed: DpopKey = { privateKey, publicJwk: await exportJWK(publicKey) };
    const bound = await clientToken(idp.issuer, ORDERS_API, 'orders:read', { dpop: exposed });
    const proofWith = (header: Record<string, unknown>) =>
      dpopProof(exposed, { htm: 'GET', htu: requestUrl('/read'), accessToken: bound, header });
    expect((await api.request('/read', { headers: dpop(bound, await proofWith({})) })).status).toBe(200);
    await expectProofRefused(
      await api.request('/read', { headers: dpop(bound, await proofWith({ jwk: await exportJWK(privateKey) })) }),
      /public key/,
    );
  });

  it('with two DPoP headers, or a proof that is no JWT', async () => {
    const headers = new Headers(dpop(token, await proof()));
    headers.append('dpop', await proof());
    await expectProofRefused(await api.request('/read', { headers }), /exactly one/);
    await expectProofRefused(await api.request('/read', { headers: dpop(token, 'not-a-proof') }), /exactly one/);
  });
});

describe('tokenBinding: which tokens an API accepts', () => {
  it("'bearer' (the default) refuses a DPoP-bound token however it comes, and does not know the DPoP scheme", async () => {
    const bearerOnly = protectedApp({ issuer: idp.issuer, audience: ORDERS_API, onError: (error) => reasons.push(error.message) });
    await expectTokenRefused(
      await bearerOnly.request('/read', { headers: bearer(token) }),
      /sender-constrained/,
      `Bearer realm="${realm}", error="invalid_token"`,
    );
    await expectRefusal(
      await bearerOnly.request('/read', { headers: dpop(token, await proof()) }),
      401,
      'missing_token',
      `Bearer realm="${realm}"`,
    );
  });

  it("'bearer-or-dpop' takes bearer tokens as Bearer and DPoP-bound ones with their proofs, and offers both schemes", async () => {
    const either = ordersApi({ tokenBinding: 'bearer-or-dpop' });
    const plain = await clientToken(idp.issuer, ORDERS_API, 'orders:read');
    expect((await either.request('/read', { headers: bearer(plain) })).status).toBe(200);
    expect((await either.request('/read', { headers: dpop(token, await proof()) })).status).toBe(200);
    await expectRefusal(await either.request('/read'), 401, 'missing_token', `Bearer realm="${realm}", DPoP realm="${realm}", ${ALGS}`);
  });

  it("'dpop' refuses bearer tokens, and a token that is not DPoP-bound presented with the DPoP scheme", async () => {
    const plain = await clientToken(idp.issuer, ORDERS_API, 'orders:read');
    await expectRefusal(await api.request('/read', { headers: bearer(plain) }), 401, 'missing_token', `DPoP realm="${realm}", ${ALGS}`);
    const forPlain = await proof({ accessToken: plain });
    await expectTokenRefused(await api.request('/read', { headers: dpop(plain, forPlain) }), /not DPoP-bound/);
  });

  it('challenges later refusals with the scheme the token came with', async () => {
    const readOnly = await clientToken(idp.issuer, ORDERS_API, 'orders:read', { dpop: key });
    const write = await proof({ htm: 'POST', htu: requestUrl('/write'), accessToken: readOnly });
    await expectRefusal(
      await api.request('/write', { method: 'POST', headers: dpop(readOnly, write) }),
      403,
      'insufficient_scope',
      `DPoP realm="${realm}", error="insufficient_scope", scope="orders:write", ${ALGS}`,
    );
  });

  it('requireDpop() makes one route of a bearer-or-dpop API take DPoP-bound tokens only', async () => {
    const app = new Hono<AccessTokenEnv>();
    app.use(requireAccessToken({ issuer: idp.issuer, audience: ORDERS_API, tokenBinding: 'bearer-or-dpop' }));
    app.get('/orders', (c) => c.text('orders'));
    app.post('/payments', requireDpop(), requireScope('orders:write'), (c) => c.text('paid'));
    const plain = await clientToken(idp.issuer, ORDERS_API, 'orders:read orders:write');
    expect((await app.request('/orders', { headers: bearer(plain) })).status).toBe(200);
    await expectRefusal(
      await app.request('/payments', { method: 'POST', headers: bearer(plain) }),
      401,
      'missing_token',
      `DPoP realm="${realm}", ${ALGS}`,
    );
    const pay = await proof({ htm: 'POST', htu: requestUrl('/payments') });
    expect((await app.request('/payments', { method: 'POST', headers: dpop(token, pay) })).status).toBe(200);
  });

  it('requireDpop() fails closed (500) behind a guard that does not accept DPoP', async () => {
    const app = new Hono<AccessTokenEnv>();
    app.use(requireAccessToken({ issuer: idp.issuer, audience: ORDERS_API }));
    app.get('/', requireDpop(), (c) => c.text('should not be reached'));
    app.onError((error, c) => c.text(error.message, 500));
    expect((await app.request('/', { headers: bearer(await clientToken(idp.issuer, ORDERS_API, 'orders:read')) })).status).toBe(500);
  });

  it('refuses a misconfiguration at once', () => {
    expect(() => ordersApi({ tokenBinding: 'mtls' as never })).toThrow(/tokenBinding/);
    expect(() => ordersApi({ tokenBinding: 'bearer', dpop: {} })).toThrow(/dpop: DPoP is not accepted/);
    expect(() => ordersApi({ dpop: { algorithms: ['HS256'] } })).toThrow(/dpop.algorithms: HS256 is symmetric/);
    expect(() => ordersApi({ dpop: { algorithms: ['none'] } })).toThrow(/dpop.algorithms/);
    expect(() => ordersApi({ dpop: { iatWindow: 0 } })).toThrow(/dpop.iatWindow/);
    expect(() => ordersApi({ dpop: { replay: {} as DpopReplayStore } })).toThrow(/dpop.replay/);
    expect(() => createDpopNonces({ secret: 'too short' })).toThrow(/32 characters/);
    expect(() => createDpopNonces({ secret: NONCE_SECRET, rotation: 0 })).toThrow(/rotation/);
  });
});

describe('behind a proxy: the URL the client addressed', () => {
  it('checks htu against requestUrl(request)', async () => {
    const proxied = ordersApi({ dpop: { requestUrl: (request) => new URL(new URL(request.url).pathname, 'https://api.example').href } });
    expect((await proxied.request('/read', { headers: dpop(token, await proof({ htu: 'https://api.example/read' })) })).status).toBe(200);
    await expectProofRefused(await proxied.request('/read', { headers: dpop(token, await proof()) }), /"htu"/);
  });
});

describe('opaque DPoP-bound tokens, by introspection', () => {
  it('take cnf.jkt from the introspection response: accepted with their proof, refused with another key or as Bearer', async () => {
    const ledger = protectedApp(
      {
        issuer: idp.issuer,
        audience: LEDGER_API,
        introspection: { ...LEDGER_CLIENT },
        tokenBinding: 'bearer-or-dpop',
        onError: (error) => reasons.push(error.message),
      },
      { read: 'ledger:read', write: 'ledger:write' },
    );
    const opaque = await clientToken(idp.issuer, LEDGER_API, 'ledger:read', { dpop: key });
    expect(opaque.split('.')).toHaveLength(1);
    const ledgerProof = (signer = key) => dpopProof(signer, { htm: 'GET', htu: requestUrl('/read'), accessToken: opaque });
    const response = await ledger.request('/read', { headers: dpop(opaque, await ledgerProof()) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: 'DPoP', cnf: { jkt: expect.any(String) } });
    await expectTokenRefused(
      await ledger.request('/read', { headers: dpop(opaque, await ledgerProof(await generateDpopKey())) }),
      /another key/,
      `DPoP realm="${LEDGER_API}", error="invalid_token", ${ALGS}`,
    );
    await expectTokenRefused(
      await ledger.request('/read', { headers: bearer(opaque) }),
      /sender-constrained/,
      `Bearer realm="${LEDGER_API}", error="invalid_token"`,
    );
  });
});

describe('server nonces (RFC 9449 §9)', () => {
  const USE_NONCE = `DPoP realm="${realm}", error="use_dpop_nonce", ${ALGS}`;

  it('answer a proof without a nonce with use_dpop_nonce and one to use; the retry with it is accepted', async () => {
    const withNonces = ordersApi({ dpop: { nonces: createDpopNonces({ secret: NONCE_SECRET }) } });
    const first = await withNonces.request('/read', { headers: dpop(token, await proof()) });
    await expectRefusal(first, 401, 'use_dpop_nonce', USE_NONCE);
    const nonce = first.headers.get('dpop-nonce') ?? '';
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await withNonces.request('/read', { headers: dpop(token, await proof({ nonce })) })).status).toBe(200);

    // A nonce vouches for freshness: the client's clock (iat) does not matter then.
    expect(
      (await withNonces.request('/read', { headers: dpop(token, await proof({ nonce, claims: { iat: now() - 3600 } })) })).status,
    ).toBe(200);
  });

  it('refuse a made-up nonce, or one from another secret, with a new challenge', async () => {
    const withNonces = ordersApi({ dpop: { nonces: createDpopNonces({ secret: NONCE_SECRET }) } });
    const foreign = await createDpopNonces({ secret: `another-${NONCE_SECRET}` }).current();
    for (const nonce of ['made-up', foreign]) {
      const response = await withNonces.request('/read', { headers: dpop(token, await proof({ nonce })) });
      await expectRefusal(response, 401, 'use_dpop_nonce', USE_NONCE);
      expect(response.headers.get('dpop-nonce')).not.toBe(nonce);
    }
  });

  it('rotate: the previous nonce is still accepted and the answer carries the new one; the one before is not', async () => {
    const rotation = 2;
    const nonces = createDpopNonces({ secret: NONCE_SECRET, rotation });
    const withNonces = ordersApi({ dpop: { nonces } });
    /** Sleeps into the next period, a little past its start. */
    const nextPeriod = () => sleep(rotation * 1000 - (Date.now() % (rotation * 1000)) + 50);
    await nextPeriod();
    const nonce = await nonces.current();
    await nextPeriod();
    const response = await withNonces.request('/read', { headers: dpop(token, await proof({ nonce })) });
    expect(response.status).toBe(200);
    expect(response.headers.get('dpop-nonce')).toBe(await nonces.current());
    expect(response.headers.get('dpop-nonce')).not.toBe(nonce);
    await nextPeriod();
    await expectRefusal(
      await withNonces.request('/read', { headers: dpop(token, await proof({ nonce })) }),
      401,
      'use_dpop_nonce',
      USE_NONCE,
    );
  });
});

describe('the replay cache', () => {
  /** A real memory store that also records what it was asked. */
  const recording = (store: DpopReplayStore, calls: [string, number][]): DpopReplayStore => ({
    claimOnce: (claimed, ttl) => {
      calls.push([claimed, ttl]);
      return store.claimOnce(claimed, ttl);
    },
  });

  it('remembers each proof for as long as its iat keeps it acceptable, under a key that does not hold the jti', async () => {
    const calls: [string, number][] = [];
    const app = ordersApi({ dpop: { replay: recording(new MemoryReplayStore(), calls) } });
    const jti = `a-jti-${randomUUID()}`;
    expect((await app.request('/read', { headers: dpop(token, await proof({ claims: { jti, iat: now() - 30 } })) })).status).toBe(200);
    const [[claimed, ttl] = ['', 0]] = calls;
    expect(claimed).toMatch(/^dpop:[A-Za-z0-9_-]{43}$/);
    expect(claimed).not.toContain(jti);
    expect(ttl).toBeGreaterThanOrEqual(29);
    expect(ttl).toBeLessThanOrEqual(32);
  });

  it('fails closed (503) when the memory store is full of live entries, and frees expired ones', async () => {
    const store = new MemoryReplayStore(1);
    const app = ordersApi({ dpop: { replay: store, iatWindow: 1 } });
    expect((await app.request('/read', { headers: dpop(token, await proof()) })).status).toBe(200);
    await expectRefusal(await app.request('/read', { headers: dpop(token, await proof()) }), 503, 'temporarily_unavailable', null);
    expect(reasons.at(-1)).toMatch(/replay cache failed/);
    await sleep(2_100); // the first proof's entry expires (iat + 1 s window, + 1 s)
    expect((await app.request('/read', { headers: dpop(token, await proof()) })).status).toBe(200);
  });

  it('answers a replay from memory until the entry expires', async () => {
    const store = new MemoryReplayStore();
    expect(await store.claimOnce('a', 1)).toBe(true);
    expect(await store.claimOnce('a', 1)).toBe(false);
    expect(await store.claimOnce('b', 1)).toBe(true);
    await sleep(1_100);
    expect(await store.claimOnce('a', 1)).toBe(true);
    expect(() => new MemoryReplayStore(0)).toThrow(TypeError);
  });
});
