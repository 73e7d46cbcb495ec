import type { Session } from '../session-store.js';

/** What the store relies on before writing: the indexed fields and a usable TTL. */
export function assertStorable(session: Session, ttlSeconds: number): void {
  if (typeof session.id !== 'string' || session.id.length === 0) throw new TypeError('session.id must be a non-empty string');
  if (typeof session.sub !== 'string' || session.sub.length === 0) throw new TypeError('session.sub must be a non-empty string');
  if (session.sid !== undefined && typeof session.sid !== 'string') throw new TypeError('session.sid must be a string if present');
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive number');
}
