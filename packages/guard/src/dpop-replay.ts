/**
 * The replay cache of DPoP proofs (RFC 9449 §11.1): each proof's `jti` is accepted once.
 */

/**
 * Where the `jti`s of accepted DPoP proofs are remembered. One store shared by every instance of
 * an API (e.g. `RedisReplayStore` from `@cloakroom/guard/redis`) refuses a proof replayed to
 * another instance; the default {@link MemoryReplayStore} only sees its own process.
 *
 * The BFF's session stores have the same method, so `RedisSessionStore` of `@cloakroom/bff/redis`
 * fits as well.
 */
export interface DpopReplayStore {
  /**
   * Records `key` for `ttlSeconds`, atomically: `true` when it was not recorded yet (the proof is
   * new), `false` when it was (a replay). A rejection fails the request closed (`503`).
   */
  claimOnce(key: string, ttlSeconds: number): Promise<boolean>;
}

/** The default bound of {@link MemoryReplayStore}. */
export const DEFAULT_REPLAY_ENTRIES = 100_000;

/** Milliseconds between two sweeps of every entry when the store is full. */
const FULL_SWEEP_INTERVAL = 1_000;

/**
 * The `jti`s of one process, each until it expires, at most `maxEntries` (default 100,000) of
 * them. Size it for the most proofs the API accepts within one proof lifetime (the `iat` window
 * on both sides, or the nonce lifetime): 100,000 covers over 800 requests a second with the
 * default 60 s window.
 *
 * When it is full of entries that have not expired, it fails closed: `claimOnce` rejects and the
 * request gets a `503`. Forgetting a live entry instead would let that proof be replayed, and
 * whoever fills the cache would choose when.
 */
export class MemoryReplayStore implements DpopReplayStore {
  /** Key → expiry (ms since the epoch), in insertion order. */
  readonly #entries = new Map<string, number>();
  readonly #maxEntries: number;
  #lastFullSweep = 0;

  constructor(maxEntries = DEFAULT_REPLAY_ENTRIES) {
    if (!Number.isInteger(maxEntries) || maxEntries <= 0)
      throw new TypeError('MemoryReplayStore: maxEntries must be a positive whole number');
    this.#maxEntries = maxEntries;
  }

  /** The entries currently held (expired ones included until they are swept). */
  get size(): number {
    return this.#entries.size;
  }

  claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    const now = Date.now();
    const expiresAt = this.#entries.get(key);
    if (expiresAt !== undefined && expiresAt > now) return Promise.resolve(false);
    this.#entries.delete(key);
    this.#sweep(now);
    if (this.#entries.size >= this.#maxEntries) {
      return Promise.reject(new Error(`the DPoP replay cache is full (${this.#maxEntries} live entries)`));
    }
    this.#entries.set(key, now + ttlSeconds * 1000);
    return Promise.resolve(true);
  }

  /**
   * Drops expired entries from the oldest on, which is enough while every entry lives about as
   * long; when the store is still full, looks at all of them, at most once a second.
   */
  #sweep(now: number): void {
    for (const [key, expiresAt] of this.#entries) {
      if (expiresAt > now) break;
      this.#entries.delete(key);
    }
    if (this.#entries.size < this.#maxEntries || now - this.#lastFullSweep < FULL_SWEEP_INTERVAL) return;
    this.#lastFullSweep = now;
    for (const [key, expiresAt] of this.#entries) if (expiresAt <= now) this.#entries.delete(key);
  }
}
