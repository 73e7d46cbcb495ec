import { base64url, EmbeddedJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { newProcessDpopKey } from '../../../src/dpop/keys.js';
import { DpopProofs } from '../../../src/dpop/proofs.js';
import type { UpstreamResponse } from '../../../src/upstream-client.js';

const answer = (status: number, headers: Record<string, string>): UpstreamResponse => ({
  status,
  headers: new Headers(headers),
  body: null,
  decoded: false,
});
const challenge = { 'www-authenticate': 'DPoP realm="orders", error="use_dpop_nonce", algs="ES256"', 'dpop-nonce': 'n-1' };

describe('DpopProofs', () => {
  it('signs a proof for one request with one token: htm, htu without the query, ath, a new jti each time', async () => {
    const key = await newProcessDpopKey();
    const proofs = new DpopProofs();
    const url = 'https://orders.example/orders?status=open';
    const proof = await proofs.proof(key, 'POST', url, 'https://orders.example', 'the-access-token');
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: ['ES256'] });
    expect(protectedHeader.jwk).toEqual(key.publicJwk);
    const ath = base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('the-access-token'))));
    expect(payload).toMatchObject({ htm: 'POST', htu: 'https://orders.example/orders', ath });
    expect(payload.nonce).toBeUndefined();
    const again = await jwtVerify(await proofs.proof(key, 'POST', url, 'https://orders.example', 'the-access-token'), EmbeddedJWK);
    expect(again.payload.jti).not.toBe(payload.jti);
  });

  it("puts the nonce an API origin handed out into that origin's proofs only", async () => {
    const key = await newProcessDpopKey();
    const proofs = new DpopProofs();
    proofs.remember('https://orders.example', answer(401, challenge));
    proofs.remember('https://orders.example', answer(200, {})); // no new nonce: the old one stays
    const nonceOf = async (origin: string) =>
      (await jwtVerify(await proofs.proof(key, 'GET', `${origin}/x`, origin, 't'), EmbeddedJWK)).payload.nonce;
    expect(await nonceOf('https://orders.example')).toBe('n-1');
    expect(await nonceOf('https://reports.example')).toBeUndefined();
    proofs.remember('https://orders.example', answer(200, { 'dpop-nonce': 'n-2' })); // handed out ahead of a rotation
    expect(await nonceOf('https://orders.example')).toBe('n-2');
  });

  it('takes a 401 use_dpop_nonce with a DPoP-Nonce for a nonce challenge, and nothing else', () => {
    expect(DpopProofs.asksForNonce(answer(401, challenge))).toBe(true);
    expect(DpopProofs.asksForNonce(answer(401, { 'www-authenticate': challenge['www-authenticate'] }))).toBe(false);
    expect(DpopProofs.asksForNonce(answer(400, challenge))).toBe(false);
    expect(DpopProofs.asksForNonce(answer(401, { ...challenge, 'www-authenticate': 'DPoP error="invalid_token"' }))).toBe(false);
    // Only the DPoP scheme's challenge asks for a DPoP nonce.
    expect(DpopProofs.asksForNonce(answer(401, { ...challenge, 'www-authenticate': 'Bearer error="use_dpop_nonce"' }))).toBe(false);
    expect(DpopProofs.asksForNonce(answer(200, challenge))).toBe(false);
  });
});
