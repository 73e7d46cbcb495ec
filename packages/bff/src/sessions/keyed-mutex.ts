/**
 * One holder per key at a time within this process; others queue in arrival order. Written here
 * because the BFF needs only this and no more: refresh and idle-extension writes of one session
 * must not interleave, or a stale write could put back a refresh token the IdP already rotated.
 */
export class KeyedMutex<K> {
  readonly #tails = new Map<K, Promise<void>>();

  async run<T>(key: K, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = new Promise<void>((resolve) => (release = resolve));
    this.#tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
