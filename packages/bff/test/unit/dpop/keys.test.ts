import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { newProcessDpopKey, newSessionDpopKey, sessionDpopKeys } from '../../../src/dpop/keys.js';

describe('DPoP keys', () => {
  it("makes a session's key a P-256 JWK to store, and signs with a copy that cannot be exported", async () => {
    const jwk = await newSessionDpopKey();
    expect(Object.keys(jwk).sort()).toEqual(['crv', 'd', 'kty', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    const keys = sessionDpopKeys();
    const pair = await keys('session-1', jwk);
    expect(pair.privateKey.extractable).toBe(false);
    expect(pair.privateKey.usages).toEqual(['sign']);
    expect(pair.publicJwk).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y });
    expect(await calculateJwkThumbprint(pair.publicJwk)).toBe(
      await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }),
    );
  });

  it('imports a session key once, and again if the session shows another key', async () => {
    const keys = sessionDpopKeys();
    const jwk = await newSessionDpopKey();
    const pair = await keys('session-1', jwk);
    expect(await keys('session-1', jwk)).toBe(pair);
    const other = await newSessionDpopKey();
    expect((await keys('session-1', other)).publicJwk.x).toBe(other.x);
  });

  it('makes the BFF its own key, which cannot be exported at all', async () => {
    const { privateKey, publicJwk } = await newProcessDpopKey();
    expect(privateKey.extractable).toBe(false);
    expect(Object.keys(publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
  });
});
