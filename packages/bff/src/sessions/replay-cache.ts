/**
 * Remembers identifiers (e.g. a logout token's `jti`) until they expire, so a replay is refused.
 * Bounded: past `maxEntries` the oldest are forgotten, which only widens the replay window for
 * tokens that are also about to fail their `iat` check.
 */
export class ReplayCache {
  // Insertion order is expiry order, because every entry lives for the same `ttlSeconds`.
  readonly #seen = new Map<string, number>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** Records `id`; false when it was already seen within the window. */
  claim(id: string): boolean {
    const now = Date.now();
    for (const [key, expiresAt] of this.#seen) {
      if (expiresAt > now && this.#seen.size < this.maxEntries) break;
      this.#seen.delete(key);
    }
    if (this.#seen.has(id)) return false;
    this.#seen.set(id, now + this.ttlSeconds * 1000);
    return true;
  }
}
