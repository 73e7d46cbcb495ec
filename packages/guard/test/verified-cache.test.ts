import { generateSigningKey } from '@cloakroom/idp';
import { startLoopbackServer, type LoopbackServer } from '@cloakroom/test-harness/loopback';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importJWK, type JWTVerifyGetKey } from 'jose';
import type { AccessTokenOptions } from '../src/index.js';
import { createJwtVerifier } from '../src/jwt.js';
import { accessTokenClaims, bearer, expectRefusal, invalidToken, protectedApp, sign, sleep } from './support.js';

// The verified-token cache (jwks.verifiedTokens): a token seen again skips the signature check, but
// never outlives what a fresh check would accept.
const AUDIENCE = 'https://api.example/orders';
const key = generateSigningKey();
let jwks: LoopbackServer;
let jwksRequests = 0;
let issuer: string;

beforeAll(async () => {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicKey } = key;
  jwks = await startLoopbackServer((_req, res) => {
    jwksRequests += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicKey] }));
  });
  issuer = `${jwks.url}/issuer`;
});
afterAll(() => jwks.close());

const options = (overrides: Partial<AccessTokenOptions> = {}): AccessTokenOptions => ({
  issuer,
  audience: AUDIENCE,
  typ: 'at+jwt',
  clockTolerance: 0,
  jwks: { uri: `${jwks.url}/jwks` },
  ...overrides,
});
const now = () => Math.floor(Date.now() / 1000);

describe('the verified-token cache', () => {
  it('checks the signature of a token once, and again only for other bytes; 0 entries turns it off', async () => {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicKey } = key;
    const publicCryptoKey = await importJWK(publicKey, 'RS256');
    const verifier = (maxEntries: number) => {
      let lookups = 0;
      const keys: JWTVerifyGetKey = () => {
        lookups += 1;
        return publicCryptoKey;
      };
      const verify = createJwtVerifier({
        issuer,
        audience: [AUDIENCE],
        algorithms: ['RS256'],
        clockTolerance: 0,
        keys,
        verifiedCache: { maxEntries, maxAge: 60_000 },
      });
      return { verify, lookups: () => lookups };
    };
    const [first, second] = await Promise.all([
      sign(accessTokenClaims(issuer, AUDIENCE), key),
      sign(accessTokenClaims(issuer, AUDIENCE), key),
    ]);

    const cached = verifier(10);
    for (const token of [first, first, first, second, first]) await cached.verify(token);
    expect(cached.lookups()).toBe(2);

    const uncached = verifier(0);
    for (const token of [first, first, first]) await uncached.verify(token);
    expect(uncached.lookups()).toBe(3);
  });

  it('ends an entry at the token exp: a token accepted from the cache is refused once it expired', async () => {
    const api = protectedApp(options());
    const token = await sign(accessTokenClaims(issuer, AUDIENCE, { exp: now() + 3 }), key);
    expect((await api.request('/read', { headers: bearer(token) })).status).toBe(200);
    expect((await api.request('/read', { headers: bearer(token) })).status).toBe(200);
    await sleep(3_100);
    await expectRefusal(await api.request('/read', { headers: bearer(token) }), 401, 'invalid_token', invalidToken(AUDIENCE));
  });

  it('ends an entry at iat + maxTokenAge', async () => {
    const api = protectedApp(options({ maxTokenAge: 3 }));
    const token = await sign(accessTokenClaims(issuer, AUDIENCE, { iat: now() }), key);
    expect((await api.request('/read', { headers: bearer(token) })).status).toBe(200);
    await sleep(4_100); // jose refuses an age above maxTokenAge, in whole seconds
    await expectRefusal(await api.request('/read', { headers: bearer(token) }), 401, 'invalid_token', invalidToken(AUDIENCE));
  });

  it('ends an entry with the JWKS cache age: the key it was checked with is fetched again first', async () => {
    const api = protectedApp(options({ jwks: { uri: `${jwks.url}/jwks`, cacheMaxAge: 1, cooldown: 0 } }));
    const token = await sign(accessTokenClaims(issuer, AUDIENCE), key);
    const before = jwksRequests;
    expect((await api.request('/read', { headers: bearer(token) })).status).toBe(200);
    expect((await api.request('/read', { headers: bearer(token) })).status).toBe(200);
    expect(jwksRequests).toBe(before + 1);
    await sleep(1_100);
    expect((await api.request('/read', { headers: bearer(token) })).status).toBe(200);
    expect(jwksRequests).toBe(before + 2);
  });

  it('still asks isRevoked on every request', async () => {
    const denied = new Set<string>();
    const api = protectedApp(options({ isRevoked: (claims) => denied.has(claims.jti ?? '') }));
    const claims = accessTokenClaims(issuer, AUDIENCE);
    const token = await sign(claims, key);
    expect((await api.request('/read', { headers: bearer(token) })).status).toBe(200);
    denied.add(claims.jti!);
    await expectRefusal(await api.request('/read', { headers: bearer(token) }), 401, 'invalid_token', invalidToken(AUDIENCE));
  });

  it('keeps only the exact bytes: the same claims under another signature are checked again, and refused', async () => {
    const api = protectedApp(options());
    const claims = accessTokenClaims(issuer, AUDIENCE);
    const token = await sign(claims, key);
    expect((await api.request('/read', { headers: bearer(token) })).status).toBe(200);
    const forged = await sign(claims, { ...generateSigningKey(), kid: key.kid });
    await expectRefusal(await api.request('/read', { headers: bearer(forged) }), 401, 'invalid_token', invalidToken(AUDIENCE));
  });

  it('is refused as configuration when verifiedTokens is not a whole number', () => {
    expect(() => protectedApp(options({ jwks: { verifiedTokens: -1 } }))).toThrow(/jwks.verifiedTokens/);
  });
});
