import type { AccessTokenClaims } from './claims.js';

interface CacheEntry {
  readonly claims: AccessTokenClaims;
  /** Milliseconds since the epoch. */
  readonly expiresAt: number;
}

/**
 * A bounded, expiring cache of validated claims: active introspection responses (keyed by the
 * SHA-256 of the token, so the tokens themselves are not kept) and verified JWTs (keyed by the
 * token). Least recently used entries are evicted first.
 */
export class ClaimsCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  /** The entries currently held (expired ones included until they are next looked up or evicted). */
  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now = Date.now()): AccessTokenClaims | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= now) return undefined;
    this.#entries.set(key, entry); // most recently used goes last
    return entry.claims;
  }

  set(key: string, claims: AccessTokenClaims, expiresAt: number, now = Date.now()): void {
    if (expiresAt <= now || this.#maxEntries <= 0) return;
    this.#entries.delete(key);
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { claims, expiresAt });
  }
}
