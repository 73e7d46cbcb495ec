import { ConfigError } from '../config.js';
import type { Session, SessionStore } from '../session-store.js';

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept; the least recently used one is evicted beyond it. Default 10 000. */
  maxSessions?: number;
  /** Clock in epoch milliseconds, for tests. */
  now?: () => number;
}

interface Entry {
  /** The session as JSON: one compact string, parsed into a fresh copy on every read. */
  json: string;
  sub: string;
  sid: string | undefined;
  expiresAtMs: number;
}

/**
 * Entries examined for expiry on each write. A write adds at most one entry and the sweep looks at
 * eight, so it laps the whole store well before it can double; the work per call stays constant.
 */
const SWEEP_STEP = 8;

/**
 * The embedded default store: one process, bounded, expiring. Sessions are lost on restart; use a
 * shared store (`@cloakroom/bff/redis`) when you run more than one BFF instance.
 *
 * - At most `maxSessions` sessions; beyond it the least recently used (read or written) is evicted.
 *   Every operation is O(1) apart from the lookups, which are O(sessions of that `sub`/`sid`).
 * - Sessions are kept as JSON, so `get` returns a fresh copy and the store holds exactly what a
 *   persistent store would (a field that does not survive JSON does not survive here either).
 * - Expired sessions are never returned; they are removed when touched and by an incremental sweep
 *   on every write. There is no timer: nothing keeps the process alive or needs closing, and since
 *   the store is bounded, expired sessions an idle process has not swept yet cost at most the bound.
 *
 * No `withLock`: the store lives in one process, where the BFF's in-process single-flight already
 * lets only one request refresh a session at a time.
 */
export class MemorySessionStore implements SessionStore {
  // A Map iterates in insertion order: re-inserting on use makes the first key the least recently used.
  readonly #entries = new Map<string, Entry>();
  readonly #bySub = new Map<string, Set<string>>();
  readonly #bySid = new Map<string, Set<string>>();
  readonly #maxSessions: number;
  readonly #now: () => number;
  /**
   * Both cursors are live Map iterators, which survive deletions and visit entries appended later.
   * Everything before the eviction cursor has been evicted or moved to the end, so its next entry is
   * the least recently used one; reusing it skips the holes that a fresh iterator would walk over.
   */
  #evictionCursor: MapIterator<[string, Entry]> | undefined;
  #sweepCursor: MapIterator<[string, Entry]> | undefined;

  constructor(options: MemorySessionStoreOptions = {}) {
    const maxSessions = options.maxSessions ?? 10_000;
    if (!Number.isSafeInteger(maxSessions) || maxSessions < 1) {
      throw new ConfigError('MemorySessionStore.maxSessions', 'must be a positive integer');
    }
    this.#maxSessions = maxSessions;
    this.#now = options.now ?? Date.now;
  }

  async get(id: string): Promise<Session | undefined> {
    const entry = this.#live(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return JSON.parse(entry.json) as Session;
  }

  async set(session: Session, ttlSeconds: number): Promise<void> {
    assertStorable(session, ttlSeconds);
    const previous = this.#entries.get(session.id);
    if (previous) this.#remove(session.id, previous);
    const entry: Entry = {
      json: JSON.stringify(session),
      sub: session.sub,
      sid: session.sid,
      expiresAtMs: this.#now() + ttlSeconds * 1000,
    };
    this.#entries.set(session.id, entry);
    addToIndex(this.#bySub, entry.sub, session.id);
    if (entry.sid !== undefined) addToIndex(this.#bySid, entry.sid, session.id);
    while (this.#entries.size > this.#maxSessions) this.#evictLeastRecentlyUsed();
    this.#sweepSome();
  }

  async delete(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry) this.#remove(id, entry);
    this.#sweepSome();
  }

  async idsBySub(sub: string): Promise<string[]> {
    return this.#liveIds(this.#bySub.get(sub));
  }

  async idsBySid(sid: string): Promise<string[]> {
    return this.#liveIds(this.#bySid.get(sid));
  }

  /** Number of sessions held, expired ones included until they are touched or swept. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entry if it is still live; an expired one is removed on the way. */
  #live(id: string): Entry | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= this.#now()) {
      this.#remove(id, entry);
      return undefined;
    }
    return entry;
  }

  #liveIds(ids: Set<string> | undefined): string[] {
    if (!ids) return [];
    const now = this.#now();
    const live: string[] = [];
    // Copied first: removing an expired entry deletes from this very set. The index holds exactly
    // the ids of stored entries (#remove keeps it so), so only expiry needs checking here.
    for (const id of [...ids]) {
      const entry = this.#entries.get(id);
      if (entry !== undefined && entry.expiresAtMs <= now) this.#remove(id, entry);
      else live.push(id);
    }
    return live;
  }

  #remove(id: string, entry: Entry): void {
    this.#entries.delete(id);
    removeFromIndex(this.#bySub, entry.sub, id);
    if (entry.sid !== undefined) removeFromIndex(this.#bySid, entry.sid, id);
  }

  #evictLeastRecentlyUsed(): void {
    let next = (this.#evictionCursor ??= this.#entries.entries()).next();
    if (next.done) {
      // A finished iterator stays finished even when entries are added later: start a new one.
      this.#evictionCursor = this.#entries.entries();
      next = this.#evictionCursor.next();
      if (next.done) return;
    }
    const [id, entry] = next.value;
    this.#remove(id, entry);
  }

  #sweepSome(): void {
    const now = this.#now();
    for (let step = 0; step < SWEEP_STEP; step++) {
      const next = (this.#sweepCursor ??= this.#entries.entries()).next();
      if (next.done) {
        this.#sweepCursor = undefined; // lap complete; the next write starts a new one
        return;
      }
      const [id, entry] = next.value;
      if (entry.expiresAtMs <= now) this.#remove(id, entry);
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids) ids.add(id);
  else index.set(key, new Set([id]));
}

function removeFromIndex(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key); // no empty sets left behind by users who signed out
}

/** What the store relies on before writing: the indexed fields and a usable TTL. */
function assertStorable(session: Session, ttlSeconds: number): void {
  if (typeof session.id !== 'string' || session.id.length === 0) throw new TypeError('session.id must be a non-empty string');
  if (typeof session.sub !== 'string' || session.sub.length === 0) throw new TypeError('session.sub must be a non-empty string');
  if (session.sid !== undefined && typeof session.sid !== 'string') throw new TypeError('session.sid must be a string if present');
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive number');
}
