import type { Context } from 'hono';
import type { ResolvedConfig } from '../config.js';
import { chunkedCookie } from './chunked-cookie.js';
import { BoundedMap } from './bounded-map.js';
import { KeyedMutex } from './keyed-mutex.js';
import { now, sessionLifetime } from './session-lifetime.js';
import type { Session } from './session-store.js';
import { localClaims, newSession, type Sessions } from './sessions.js';
import { ironSealer } from './seal.js';

/** Most sessions this instance remembers as refreshed or ended (see below). */
const MEMORY_LIMIT = 10_000;
/**
 * Most session cookies remembered unsealed: a few KB each (the cookie and the session's JSON), so
 * fewer than for the id cookie; enough for the users active at once on one instance.
 */
const UNSEALED_LIMIT = 2_000;

/**
 * Stateless sessions: the whole session, tokens included, sealed (iron-session: AES-256-CBC + HMAC)
 * into chunked `__Host-` cookies. No server store, so nothing to share between instances.
 *
 * What it cannot do, by construction: revoke a session server-side (a copied cookie stays valid
 * until it expires), or end sessions by `sub`/`sid` across instances. This instance remembers, in
 * bounded memory, the sessions it ended and the users and IdP sessions it was told to sign out
 * (back-channel logout, `revokeUser`) and refuses their cookies; that memory is per instance and
 * lost on restart. It also remembers the tokens it last refreshed per session, so that a request
 * still carrying the previous cookie does not present a rotated (spent) refresh token.
 */
export function cookieSessions(config: ResolvedConfig): Sessions {
  const cookie = chunkedCookie(config.cookieName, { sameSite: 'Strict', maxAge: config.session.absoluteLifetime });
  const lifetime = sessionLifetime(config);
  const writes = new KeyedMutex<string>();
  // Read on every request: no key derivation for a cookie seen before (see UnsealCache).
  const sealer = ironSealer<Session>(config.cookiePasswords, {
    ttl: config.session.absoluteLifetime,
    isValid: isSession,
    cacheSize: UNSEALED_LIMIT,
  });
  const latest = new BoundedMap<string, Session>(MEMORY_LIMIT);
  const endedSessions = new BoundedMap<string, true>(MEMORY_LIMIT);
  /** `sid:…` → ended; `sub:…` → epoch seconds before which that user's sessions are void. */
  const signedOut = new BoundedMap<string, number>(MEMORY_LIMIT);

  const isVoid = (session: Session) =>
    endedSessions.has(session.id) ||
    (session.sid !== undefined && signedOut.has(`sid:${session.sid}`)) ||
    session.createdAt <= (signedOut.get(`sub:${session.sub}`) ?? -1);

  async function read(c: Context): Promise<Session | undefined> {
    const seal = cookie.read(c);
    return seal ? sealer.unseal(seal) : undefined;
  }

  async function attach(c: Context, session: Session) {
    cookie.write(c, await sealer.seal(session));
  }

  const forget = (session: Pick<Session, 'id'>) => {
    latest.delete(session.id);
    endedSessions.set(session.id, true);
  };

  return {
    lifetime,
    claimOnce: localClaims(),
    async load(c) {
      const session = await read(c);
      if (!session || lifetime.isOver(session) || isVoid(session)) {
        cookie.clear(c);
        return undefined;
      }
      const newest = latest.get(session.id) ?? session;
      if (lifetime.shouldExtend(newest)) {
        const extended = { ...newest, lastActiveAt: now() };
        await attach(c, extended);
        return extended;
      }
      // The browser still holds the previous tokens: hand it the ones this instance refreshed.
      if (newest !== session) await attach(c, newest);
      return newest;
    },
    async start(c, fields) {
      const session = newSession(config, fields);
      await attach(c, session);
      return session;
    },
    reload: async (session) => (endedSessions.has(session.id) ? undefined : (latest.get(session.id) ?? session)),
    persist: async (session) => void latest.set(session.id, session),
    attach,
    discard: async (session) => forget(session),
    async end(c, session) {
      if (session) forget(session);
      cookie.clear(c);
    },
    exclusive: (id, task) => writes.run(id, task),
    async endAllOf(sub) {
      signedOut.set(`sub:${sub}`, now());
      return [];
    },
    async endIdpSession(sid) {
      signedOut.set(`sid:${sid}`, now());
      return [];
    },
  };
}

function isSession(value: Partial<Session> & Record<string, unknown>): value is Session & Record<string, unknown> {
  return (
    typeof value.id === 'string' &&
    typeof value.sub === 'string' &&
    (value.idToken === undefined || typeof value.idToken === 'string') &&
    typeof value.accessTokens === 'object' &&
    typeof value.createdAt === 'number' &&
    typeof value.expiresAt === 'number' &&
    typeof value.lastActiveAt === 'number'
  );
}
