import type { ResolvedConfig } from '../config.js';
import type { Session } from './session-store.js';

/** Epoch seconds now. */
export const now = () => Math.floor(Date.now() / 1000);

/**
 * The idle (sliding) and absolute lifetimes of sessions. A request extends the idle deadline, but
 * the session is written back only once a quarter of the idle window has passed since the last
 * extension, so a busy user does not cost a store (or cookie) write per request.
 */
export interface SessionLifetime {
  /** When the session ends unless a request comes first: the idle deadline, capped by the absolute one. */
  endsAt(session: Session): number;
  isOver(session: Session): boolean;
  /** A request now should write the session back to extend its idle deadline. */
  shouldExtend(session: Session): boolean;
  /** Seconds the stored session must live. */
  ttl(session: Session): number;
}

export function sessionLifetime({ session: { idleTimeout } }: ResolvedConfig): SessionLifetime {
  const endsAt = (session: Session) => Math.min(session.expiresAt, session.lastActiveAt + idleTimeout);
  return {
    endsAt,
    isOver: (session) => endsAt(session) <= now(),
    shouldExtend: (session) => now() - session.lastActiveAt >= idleTimeout / 4,
    ttl: (session) => Math.max(1, endsAt(session) - now()),
  };
}
