import { createHash, randomUUID } from 'node:crypto';

/**
 * DPoP (RFC 9449) for tests: a client's key pair and the proofs it signs, with WebCrypto (ES256),
 * for the IdP's token endpoint and for the APIs its tokens are for.
 */

/** A client's DPoP key: the private key signs, the public JWK goes into every proof's header. */
export interface DpopKey {
  readonly privateKey: CryptoKey;
  /** The public JWK (`kty`, `crv`, `x`, `y`): its thumbprint (RFC 7638) is the `cnf.jkt` of the tokens bound to it. */
  readonly publicJwk: JsonWebKey;
}

/** A new ES256 (P-256) DPoP key pair; the private key cannot be exported. */
export async function generateDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  // The members RFC 7638 hashes for an EC key; WebCrypto adds `key_ops` and `ext`, which a proof needs not carry.
  const { key_ops: _keyOps, ext: _ext, ...publicJwk } = await crypto.subtle.exportKey('jwk', publicKey);
  return { privateKey, publicJwk };
}

/** What a proof is for, and what a test may change in it. */
export interface DpopProofOptions {
  /** The request's method (`htm`). */
  htm: string;
  /** The request's URL (`htu`); query and fragment are ignored by the receiver. */
  htu: string;
  /** The access token the proof comes with: its hash is the proof's `ath`. */
  accessToken?: string;
  /** A nonce the server handed out (`DPoP-Nonce`). */
  nonce?: string;
  /** Claims to set or override (`iat`, `jti`, `ath`…), for tests that forge proofs. */
  claims?: Readonly<Record<string, unknown>>;
  /** Header parameters to set or override (`typ`, `jwk`…), for tests that forge proofs. */
  header?: Readonly<Record<string, unknown>>;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A DPoP proof JWT (RFC 9449 §4.2) signed with `key`: `typ: dpop+jwt`, `alg: ES256`, the public
 * `jwk`; a fresh `jti`, `htm`, `htu`, `iat` (now), and `ath` / `nonce` when given.
 */
export async function dpopProof(key: DpopKey, options: DpopProofOptions): Promise<string> {
  const { htm, htu, accessToken, nonce, claims = {}, header = {} } = options;
  const payload = {
    jti: randomUUID(),
    htm,
    htu,
    iat: Math.floor(Date.now() / 1000),
    ...(accessToken !== undefined ? { ath: createHash('sha256').update(accessToken).digest('base64url') } : {}),
    ...(nonce !== undefined ? { nonce } : {}),
    ...claims,
  };
  const input = `${encode({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk, ...header })}.${encode(payload)}`;
  // WebCrypto's ECDSA signature is r ‖ s, the JWS form (RFC 7518 §3.4).
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key.privateKey, new TextEncoder().encode(input));
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}
