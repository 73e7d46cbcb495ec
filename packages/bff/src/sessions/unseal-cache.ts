import { BoundedMap } from './bounded-map.js';

/**
 * What byte-identical seals unsealed to, so that a cookie read on every request (the session id's,
 * or a whole stateless session's) costs no key derivation per request: iron's PBKDF2, AES-CBC and
 * HMAC through WebCrypto were about half the BFF's own CPU per proxied call. Written here because no
 * library caches iron seals.
 *
 * As safe as unsealing every time: an entry is only ever made from a seal that passed every check,
 * only the very same string hits it (a changed byte is a miss, checked in full), and the seal's own
 * expiry, part of that string, is checked again on every hit. Bounded, least recently used first out.
 * Every hit is a fresh deep copy (values are kept as JSON, which is what a seal holds anyway), so a
 * caller changing what it got cannot change what the next request gets.
 */
export class UnsealCache<T extends object> {
  readonly #entries: BoundedMap<string, { json: string; expiresAtMs: number }>;

  constructor(readonly maxEntries = 10_000) {
    this.#entries = new BoundedMap(maxEntries);
  }

  /** What `seal` unsealed to, while it has not expired. */
  get(seal: string): T | undefined {
    const entry = this.#entries.get(seal);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= Date.now()) {
      this.#entries.delete(seal);
      return undefined;
    }
    this.#entries.set(seal, entry); // most recently used last
    return JSON.parse(entry.json) as T;
  }

  /** Remembers a seal that unsealed to `value`; one without a readable expiry is not remembered. */
  set(seal: string, value: T): void {
    const expiresAtMs = sealExpiry(seal);
    if (expiresAtMs !== undefined) this.#entries.set(seal, { json: JSON.stringify(value), expiresAtMs });
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** The expiry (epoch ms) an iron seal carries: `Fe26.2*id*salt*iv*data*EXPIRATION*hmacSalt*hmac[~v]`. */
function sealExpiry(seal: string): number | undefined {
  const expiration = seal.split('*')[5];
  return expiration && /^\d+$/.test(expiration) ? Number(expiration) : undefined;
}
