import type { Session, SessionStore } from '../session-store.js';

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept; the least recently used one is evicted beyond it. Default 10 000. */
  maxSessions?: number;
  /** Clock in epoch milliseconds, for tests. */
  now?: () => number;
}

interface Entry {
  session: Session;
  expiresAtMs: number;
}

/**
 * The embedded default store: one process, bounded, expiring. Sessions are lost on restart; use a
 * shared store when you run more than one BFF instance.
 */
export class MemorySessionStore implements SessionStore {
  // A Map iterates in insertion order: re-inserting on access makes the first key the LRU one.
  readonly #entries = new Map<string, Entry>();
  readonly #maxSessions: number;
  readonly #now: () => number;

  constructor(options: MemorySessionStoreOptions = {}) {
    this.#maxSessions = options.maxSessions ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  async get(id: string): Promise<Session | undefined> {
    const entry = this.#live(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return structuredClone(entry.session);
  }

  async set(session: Session, ttlSeconds: number): Promise<void> {
    this.#entries.delete(session.id);
    this.#entries.set(session.id, { session: structuredClone(session), expiresAtMs: this.#now() + ttlSeconds * 1000 });
    while (this.#entries.size > this.#maxSessions) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  async delete(id: string): Promise<void> {
    this.#entries.delete(id);
  }

  async idsBySub(sub: string): Promise<string[]> {
    return this.#idsWhere((session) => session.sub === sub);
  }

  async idsBySid(sid: string): Promise<string[]> {
    return this.#idsWhere((session) => session.sid === sid);
  }

  /** Number of sessions held, expired ones included until they are next touched. */
  get size(): number {
    return this.#entries.size;
  }

  #live(id: string): Entry | undefined {
    const entry = this.#entries.get(id);
    if (entry && entry.expiresAtMs <= this.#now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry;
  }

  #idsWhere(match: (session: Session) => boolean): string[] {
    const ids: string[] = [];
    for (const [id] of this.#entries) {
      const entry = this.#live(id);
      if (entry && match(entry.session)) ids.push(id);
    }
    return ids;
  }
}
