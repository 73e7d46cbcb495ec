/**
 * At most one task per key in flight: callers that arrive while it runs share its promise instead of
 * starting their own. Written here because it is a dozen lines and the rest of the BFF depends on
 * exactly these semantics (the key is freed only once the task has settled, result stored).
 */
export class SingleFlight<K, T> {
  readonly #flights = new Map<K, Promise<T>>();

  run(key: K, task: () => Promise<T>): Promise<T> {
    const inFlight = this.#flights.get(key);
    if (inFlight) return inFlight;
    const flight = task().finally(() => this.#flights.delete(key));
    this.#flights.set(key, flight);
    return flight;
  }

  /** Number of keys with a task in flight. */
  get size(): number {
    return this.#flights.size;
  }
}
