import type { Context } from 'hono';
import type { ResolvedConfig } from './config.js';
import { sealedCookie, SESSION_COOKIE } from './cookies.js';
import type { Session, SessionStore } from './session-store.js';

/** What the session cookie holds: a pointer into the store, never a token. */
interface SessionTicket {
  id: string;
}

/** Finds, creates and ends the browser's session: the cookie on one side, the store on the other. */
export interface Sessions {
  readonly store: SessionStore;
  /** The live session of this request, if its cookie is valid and the store still has it. */
  load(c: Context): Promise<Session | undefined>;
  /** Stores a new session under a fresh id and sets its cookie. */
  start(c: Context, session: Omit<Session, 'id' | 'createdAt' | 'expiresAt'>): Promise<Session>;
  /** Writes an updated session back (e.g. after a refresh). */
  save(session: Session): Promise<void>;
  /** Deletes the session (if any) and clears the cookie. */
  end(c: Context, session: Session | undefined): Promise<void>;
}

export function createSessions(config: ResolvedConfig, store: SessionStore): Sessions {
  const cookie = sealedCookie<SessionTicket>(config, SESSION_COOKIE, {
    sameSite: 'Strict',
    maxAge: config.sessionLifetime,
    isValid: (value) => typeof value.id === 'string' && value.id.length > 0,
  });
  const now = () => Math.floor(Date.now() / 1000);
  const ttl = (session: Session) => Math.max(1, session.expiresAt - now());

  return {
    store,
    async load(c) {
      const ticket = await cookie.read(c);
      if (!ticket) return undefined;
      const session = await store.get(ticket.id);
      if (!session || session.expiresAt <= now()) {
        // The cookie outlived its session (logout elsewhere, expiry, store loss): drop it.
        if (session) await store.delete(session.id);
        cookie.clear(c);
        return undefined;
      }
      return session;
    },
    async start(c, fields) {
      const createdAt = now();
      // A fresh random id on every sign-in: a session id planted before login is never promoted.
      const session: Session = { ...fields, id: randomId(), createdAt, expiresAt: createdAt + config.sessionLifetime };
      await store.set(session, ttl(session));
      await cookie.write(c, { id: session.id });
      return session;
    },
    async save(session) {
      await store.set(session, ttl(session));
    },
    async end(c, session) {
      if (session) await store.delete(session.id);
      cookie.clear(c);
    },
  };
}

/** 256 bits from the platform CSPRNG, base64url. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
