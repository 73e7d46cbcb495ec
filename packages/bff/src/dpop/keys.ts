import type { CryptoKey, JWK } from 'jose';
import { BoundedMap } from '../sessions/bounded-map.js';
import type { DpopPrivateJwk } from '../sessions/session-store.js';

/** ES256: the one DPoP algorithm every IdP and resource server that does DPoP supports. */
const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * Most sessions whose imported key this instance keeps: an import costs about two proofs, and the
 * sessions active at once on one instance fit (as the unsealed-cookie cache has it).
 */
const SESSION_KEYS_KEPT = 2_000;

/** The IdP takes DPoP proofs signed as the BFF signs them, ES256 (RFC 9449 §5.1 metadata). */
export function idpTakesOurProofs(metadata: { dpop_signing_alg_values_supported?: string[] | undefined }): boolean {
  return metadata.dpop_signing_alg_values_supported?.includes('ES256') === true;
}

/** A DPoP key ready to sign: the private key cannot be exported; the public one goes into every proof. */
export interface DpopKeyPair {
  readonly privateKey: CryptoKey;
  /** Extractable, as a public key is (openid-client reads it for the proofs it makes). */
  readonly publicKey: CryptoKey;
  /** The public key as the proofs' `jwk` header carries it: `kty`, `crv`, `x`, `y`. */
  readonly publicJwk: JWK;
}

/**
 * A new P-256 key for a session, as the JWK it is kept as. Sessions are JSON in their stores (sealed
 * at rest with the tokens), so the private key must be exportable once, here; what signs is a
 * non-extractable import of it ({@link sessionDpopKeys}).
 */
export async function newSessionDpopKey(): Promise<DpopPrivateJwk> {
  const { privateKey } = await crypto.subtle.generateKey(P256, true, ['sign', 'verify']);
  const { x, y, d } = await crypto.subtle.exportKey('jwk', privateKey);
  return { kty: 'EC', crv: 'P-256', x: x!, y: y!, d: d! };
}

/** A key that lives in this process only (the BFF's own, for its client-credentials tokens): never exportable. */
export async function newProcessDpopKey(): Promise<DpopKeyPair> {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(P256, false, ['sign', 'verify']);
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  return { privateKey, publicKey, publicJwk: { kty, crv, x, y } as JWK };
}

/** A stored key, imported to sign: its private key cannot be exported again. */
export async function dpopKeyPair({ kty, crv, x, y, d }: DpopPrivateJwk): Promise<DpopKeyPair> {
  const publicJwk = { kty, crv, x, y };
  const [privateKey, publicKey] = await Promise.all([
    crypto.subtle.importKey('jwk', { ...publicJwk, d }, P256, false, ['sign']),
    crypto.subtle.importKey('jwk', publicJwk, P256, true, ['verify']),
  ]);
  return { privateKey, publicKey, publicJwk };
}

/** The signing keys of sessions, imported from their JWKs once per instance and kept for the sessions used most. */
export type SessionDpopKeys = (sessionId: string, jwk: DpopPrivateJwk) => Promise<DpopKeyPair>;

export function sessionDpopKeys(): SessionDpopKeys {
  const kept = new BoundedMap<string, { x: string; pair: Promise<DpopKeyPair> }>(SESSION_KEYS_KEPT);
  return (sessionId, jwk) => {
    const entry = kept.get(sessionId);
    // The same session id with another key would be a bug elsewhere: never sign with a stale one.
    if (entry?.x === jwk.x) {
      kept.set(sessionId, entry); // the most recently used, last to go
      return entry.pair;
    }
    const pair = dpopKeyPair(jwk);
    kept.set(sessionId, { x: jwk.x, pair });
    void pair.catch(() => {
      if (kept.get(sessionId)?.pair === pair) kept.delete(sessionId);
    });
    return pair;
  };
}
