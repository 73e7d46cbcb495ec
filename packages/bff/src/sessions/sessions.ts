import type { Context } from 'hono';
import type { ResolvedConfig } from '../config.js';
import { sealedCookie } from './cookies.js';
import { ReplayCache } from './replay-cache.js';
import { BffError } from '../errors.js';
import { KeyedMutex } from './keyed-mutex.js';
import { now, sessionLifetime, type SessionLifetime } from './session-lifetime.js';
import type { Session, SessionStore } from './session-store.js';

/** What a new session is made of; ids and times are the session layer's business. */
export type NewSession = Omit<Session, 'id' | 'createdAt' | 'expiresAt' | 'lastActiveAt'>;

/**
 * Finds, creates, updates and ends the browser's session: the cookie on one side, the state on the
 * other (a {@link SessionStore}, or the cookie itself in stateless mode).
 */
export interface Sessions {
  readonly lifetime: SessionLifetime;
  /** The live session of this request, its idle deadline extended; undefined when there is none. */
  load(c: Context): Promise<Session | undefined>;
  /** A new session under a fresh id, with its cookie set. */
  start(c: Context, fields: NewSession): Promise<Session>;
  /** The newest state of `session` (another request or instance may have refreshed it). */
  reload(session: Session): Promise<Session | undefined>;
  /** Makes a changed session (new tokens) the shared state that {@link reload} returns. */
  persist(session: Session): Promise<void>;
  /** Puts `session` into this response where the browser holds it (the stateless cookie). */
  attach(c: Context, session: Session): Promise<void>;
  /**
   * Ends a session without a response at hand (e.g. the IdP refused its refresh token, or a new
   * sign-in replaced it); its id is all it takes.
   */
  discard(session: Pick<Session, 'id'>): Promise<void>;
  /** Ends the session and clears this browser's cookie. */
  end(c: Context, session: Session | undefined): Promise<void>;
  /** Runs `task` while no other refresh or write of this session runs, in this process or (if the store can) any. */
  exclusive<T>(id: string, task: () => Promise<T>): Promise<T>;
  /** Ends every session of a user; returns the sessions it ended. */
  endAllOf(sub: string): Promise<Session[]>;
  /** Ends the sessions of one IdP session (of `sub`, when given); returns the sessions it ended. */
  endIdpSession(sid: string, sub?: string): Promise<Session[]>;
  /** Records a one-time key for `ttlSeconds` (across instances where the store can); false if seen already. */
  claimOnce(key: string, ttlSeconds: number): Promise<boolean>;
}

/**
 * One-time keys remembered in this process, for stores that cannot share them (and stateless
 * mode): per instance, bounded.
 */
export function localClaims(): Sessions['claimOnce'] {
  const caches = new Map<number, ReplayCache>();
  return async (key, ttlSeconds) => {
    let cache = caches.get(ttlSeconds);
    if (!cache) caches.set(ttlSeconds, (cache = new ReplayCache(ttlSeconds)));
    return cache.claim(key);
  };
}

/** What the session cookie holds in stored mode: a pointer into the store, never a token. */
interface SessionTicket {
  id: string;
}

/** Sessions kept in a {@link SessionStore}; the cookie holds only the session id. */
export function storedSessions(config: ResolvedConfig, store: SessionStore): Sessions {
  const cookie = sealedCookie<SessionTicket>(config, config.cookieName, {
    sameSite: 'Strict',
    maxAge: config.session.absoluteLifetime,
    isValid: (value): value is SessionTicket & Record<string, unknown> => typeof value.id === 'string' && value.id.length > 0,
    // Read on every request: no key derivation for a cookie seen before (see UnsealCache).
    cacheSize: 10_000,
  });
  const lifetime = sessionLifetime(config);
  const writes = new KeyedMutex<string>();
  const exclusive = <T>(id: string, task: () => Promise<T>) =>
    writes.run(id, async () => {
      if (!store.withLock) return task();
      // Only a failure to take the lock is the store's; the task's own errors pass through as they are.
      let taskFailed = false;
      try {
        return await store.withLock(id, () =>
          task().catch((error: unknown) => {
            taskFailed = true;
            throw error;
          }),
        );
      } catch (error) {
        if (taskFailed) throw error;
        throw unavailable(error);
      }
    });

  /**
   * Ends the user's oldest sessions so that a new one stays within `session.maxPerUser`, before it is
   * stored: a bounded store that is full would otherwise make room by evicting someone else.
   */
  async function makeRoomFor(sub: string): Promise<void> {
    const ids = await reachable(store.idsBySub(sub));
    if (ids.length < config.session.maxPerUser) return;
    const held = (await Promise.all(ids.map((id) => reachable(store.get(id))))).filter((session) => session?.sub === sub) as Session[];
    held.sort((a, b) => a.createdAt - b.createdAt);
    for (const oldest of held.slice(0, held.length - config.session.maxPerUser + 1)) await reachable(store.delete(oldest.id));
  }

  async function endAll(ids: string[], belongs: (session: Session) => boolean): Promise<Session[]> {
    const ended: Session[] = [];
    for (const id of ids) {
      const session = await reachable(store.get(id));
      if (!session || !belongs(session)) continue;
      await reachable(store.delete(id));
      ended.push(session);
    }
    return ended;
  }

  return {
    lifetime,
    async load(c) {
      const ticket = await cookie.read(c);
      if (!ticket) return undefined;
      const session = await reachable(store.get(ticket.id));
      if (!session || lifetime.isOver(session)) {
        // The cookie outlived its session (logout elsewhere, expiry, store loss): drop it.
        if (session) await reachable(store.delete(session.id));
        cookie.clear(c);
        return undefined;
      }
      if (!lifetime.shouldExtend(session)) return session;
      // Re-read under the lock: writing back a copy read before a concurrent refresh would
      // resurrect a refresh token the IdP has already rotated away.
      return exclusive(session.id, async () => {
        const latest = await reachable(store.get(session.id));
        if (!latest) return undefined;
        const extended = { ...latest, lastActiveAt: now() };
        await reachable(store.set(extended, lifetime.ttl(extended)));
        return extended;
      });
    },
    async start(c, fields) {
      const session = newSession(config, fields);
      await makeRoomFor(session.sub);
      await reachable(store.set(session, lifetime.ttl(session)));
      await cookie.write(c, { id: session.id });
      return session;
    },
    reload: (session) => reachable(store.get(session.id)),
    persist: (session) => reachable(store.set(session, lifetime.ttl(session))),
    async attach() {
      // The cookie holds only the id, which does not change.
    },
    discard: (session) => reachable(store.delete(session.id)),
    async end(c, session) {
      if (session) await reachable(store.delete(session.id));
      cookie.clear(c);
    },
    exclusive,
    endAllOf: async (sub) => endAll(await reachable(store.idsBySub(sub)), (session) => session.sub === sub),
    endIdpSession: async (sid, sub) =>
      endAll(await reachable(store.idsBySid(sid)), (session) => session.sid === sid && (sub === undefined || session.sub === sub)),
    claimOnce: store.claimOnce ? (key, ttlSeconds) => reachable(store.claimOnce!(key, ttlSeconds)) : localClaims(),
  };
}

/** A store that throws is a store we cannot reach: `503 session_store_unavailable`, never a crash. */
async function reachable<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw unavailable(error);
  }
}

const unavailable = (cause: unknown) =>
  new BffError('session_store_unavailable', { detail: 'The session store cannot be reached; try again shortly.', cause });

/**
 * A session under a fresh random id: a session id planted before sign-in is never promoted
 * (no fixation). Its idle and absolute lifetimes start now.
 */
export function newSession(config: ResolvedConfig, fields: NewSession): Session {
  const createdAt = now();
  return { ...fields, id: randomId(), createdAt, lastActiveAt: createdAt, expiresAt: createdAt + config.session.absoluteLifetime };
}

/** 256 bits from the platform CSPRNG, base64url. */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
