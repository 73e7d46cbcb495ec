import { ConfigError } from '../../config.js';
import type { Session, SessionStore } from '../session-store.js';
import { assertStorable } from './storable.js';

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Most sessions kept; the least recently used one is evicted beyond it. Default 10 000. */
  maxSessions?: number;
  /** Clock in epoch milliseconds, for tests. */
  now?: () => number;
}

interface Entry {
  id: string;
  /** The session as JSON: one compact string, parsed into a fresh copy on every read. */
  json: string;
  sub: string;
  sid: string | undefined;
  expiresAtMs: number;
  /** Neighbours in the recency list: `older` towards the least recently used end. */
  older: Entry | undefined;
  newer: Entry | undefined;
}

/**
 * Entries examined for expiry on each write: constant work per call. A write adds at most one entry
 * and the sweep moves on by eight, so a lap over n entries completes within n/7 writes.
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
 * - Memory: about 1.3 times a session's JSON size, i.e. about 3 KiB for typical tokens, so about
 *   30 MiB at the default bound (`pnpm --filter @cloakroom/bench-session-store bench`).
 *
 * No `withLock`: the store lives in one process, where the BFF's in-process single-flight already
 * lets only one request refresh a session at a time.
 */
export class MemorySessionStore implements SessionStore {
  readonly #entries = new Map<string, Entry>();
  readonly #bySub = new IdIndex();
  readonly #bySid = new IdIndex();
  // Recency is a linked list through the entries rather than the Map's insertion order: finding the
  // Map's first key walks over the holes its deletions leave (20x slower under steady eviction), and
  // a long-lived Map iterator that would avoid that keeps the Map's old backing tables alive.
  #oldest: Entry | undefined;
  #newest: Entry | undefined;
  /** The next entry the sweep examines; `undefined` starts a new lap at the oldest. */
  #sweepCursor: Entry | undefined;
  readonly #maxSessions: number;
  readonly #now: () => number;

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
    this.#unlink(entry);
    this.#append(entry);
    return JSON.parse(entry.json) as Session;
  }

  async set(session: Session, ttlSeconds: number): Promise<void> {
    assertStorable(session, ttlSeconds);
    const previous = this.#entries.get(session.id);
    if (previous) this.#remove(previous);
    const entry: Entry = {
      id: session.id,
      json: JSON.stringify(session),
      sub: session.sub,
      sid: session.sid,
      expiresAtMs: this.#now() + ttlSeconds * 1000,
      older: undefined,
      newer: undefined,
    };
    this.#entries.set(entry.id, entry);
    this.#append(entry);
    this.#bySub.add(entry.sub, entry.id);
    if (entry.sid !== undefined) this.#bySid.add(entry.sid, entry.id);
    while (this.#entries.size > this.#maxSessions && this.#oldest) this.#remove(this.#oldest);
    this.#sweepSome();
  }

  async delete(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry) this.#remove(entry);
    this.#sweepSome();
  }

  async idsBySub(sub: string): Promise<string[]> {
    return this.#liveIds(this.#bySub.ids(sub));
  }

  async idsBySid(sid: string): Promise<string[]> {
    return this.#liveIds(this.#bySid.ids(sid));
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
      this.#remove(entry);
      return undefined;
    }
    return entry;
  }

  #liveIds(ids: string[]): string[] {
    const now = this.#now();
    const live: string[] = [];
    // The index holds exactly the ids of stored entries (#remove keeps it so): only expiry needs checking.
    for (const id of ids) {
      const entry = this.#entries.get(id);
      if (entry !== undefined && entry.expiresAtMs <= now) this.#remove(entry);
      else live.push(id);
    }
    return live;
  }

  #remove(entry: Entry): void {
    this.#entries.delete(entry.id);
    this.#unlink(entry);
    this.#bySub.remove(entry.sub, entry.id);
    if (entry.sid !== undefined) this.#bySid.remove(entry.sid, entry.id);
  }

  /** Makes `entry` the most recently used. */
  #append(entry: Entry): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
  }

  #unlink(entry: Entry): void {
    if (this.#sweepCursor === entry) this.#sweepCursor = entry.newer;
    if (entry.older) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  #sweepSome(): void {
    const now = this.#now();
    let entry = this.#sweepCursor ?? this.#oldest;
    for (let step = 0; step < SWEEP_STEP && entry; step++) {
      const next = entry.newer;
      if (entry.expiresAtMs <= now) this.#remove(entry);
      entry = next;
    }
    this.#sweepCursor = entry; // `undefined` at the end of a lap: the next write starts another
  }
}

/**
 * Session ids by `sub` or `sid`. Most keys have a single session, kept as the bare id: a one-member
 * Set would cost about 160 bytes more per key, i.e. per session for `sid`.
 */
class IdIndex {
  readonly #ids = new Map<string, string | Set<string>>();

  add(key: string, id: string): void {
    const current = this.#ids.get(key);
    if (current === undefined) this.#ids.set(key, id);
    else if (typeof current !== 'string') current.add(id);
    else if (current !== id) this.#ids.set(key, new Set([current, id]));
  }

  remove(key: string, id: string): void {
    const current = this.#ids.get(key);
    if (current === undefined) return;
    if (typeof current === 'string') {
      if (current === id) this.#ids.delete(key); // no key left behind by users who signed out
      return;
    }
    current.delete(id);
    if (current.size > 1) return;
    const [last] = current;
    if (last === undefined) this.#ids.delete(key);
    else this.#ids.set(key, last);
  }

  /** A snapshot: callers may remove ids while going through it. */
  ids(key: string): string[] {
    const current = this.#ids.get(key);
    if (current === undefined) return [];
    return typeof current === 'string' ? [current] : [...current];
  }
}
