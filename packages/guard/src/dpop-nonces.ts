/**
 * Server-provided DPoP nonces (RFC 9449 §9): proofs must carry a value the API handed out recently,
 * so a proof cannot be made ahead of time, and freshness does not rest on the client's clock.
 */
import { base64url } from 'jose';

/** Hands out DPoP nonces and recognises them. */
export interface DpopNonceProvider {
  /** The nonce clients are told to use now (in `DPoP-Nonce`). */
  current(): Promise<string>;
  /** Whether `nonce` is one this provider handed out and still accepts. */
  accepts(nonce: string): Promise<boolean>;
  /**
   * Most seconds a nonce is accepted after it was first handed out. A proof with a valid nonce is
   * fresh for that long whatever its `iat` says, so its `jti` is remembered that long.
   */
  readonly lifetime: number;
}

/** Options of {@link createDpopNonces}. */
export interface DpopNonceOptions {
  /**
   * The key the nonces are derived from: at least 32 characters (or bytes), random, and the same
   * for every instance of the API so that a nonce from one is accepted by all.
   */
  secret: string | Uint8Array;
  /** Seconds a nonce stays the current one. Default 60; each is accepted for at most twice that. */
  rotation?: number | undefined;
}

/**
 * Nonces that need no storage: the nonce of each period of `rotation` seconds is
 * HMAC-SHA-256(secret, period), unpredictable without the secret. The current period's nonce is
 * handed out; it and the previous period's are accepted, so a nonce is good for `rotation` to
 * `2 × rotation` seconds. (oidc-provider derives its DPoP nonces the same way.)
 *
 * @example
 * requireAccessToken({ …, tokenBinding: 'dpop', dpop: { nonces: createDpopNonces({ secret: process.env.DPOP_NONCE_SECRET! }) } })
 */
export function createDpopNonces(options: DpopNonceOptions): DpopNonceProvider {
  const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
  if (!(secret instanceof Uint8Array) || secret.length < 32)
    throw new TypeError('createDpopNonces: the secret needs at least 32 characters');
  const rotation = options.rotation ?? 60;
  if (typeof rotation !== 'number' || !Number.isFinite(rotation) || rotation <= 0) {
    throw new TypeError('createDpopNonces: rotation must be a positive number of seconds');
  }
  const key = crypto.subtle.importKey('raw', new Uint8Array(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const nonceOf = async (period: number) =>
    base64url.encode(new Uint8Array(await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(`DPoP nonce ${period}`))));

  /** The previous and the current period's nonces, computed once per period. */
  let cached: { period: number; nonces: Promise<readonly [string, string]> } | undefined;
  const nonces = () => {
    const period = Math.floor(Date.now() / 1000 / rotation);
    if (cached?.period !== period) cached = { period, nonces: Promise.all([nonceOf(period - 1), nonceOf(period)]) };
    return cached.nonces;
  };

  return {
    current: async () => (await nonces())[1],
    accepts: async (nonce) => (await nonces()).includes(nonce),
    lifetime: 2 * rotation,
  };
}
