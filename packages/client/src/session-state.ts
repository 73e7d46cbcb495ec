import { BffError } from './bff-error.js';
import type { SessionState } from './types.js';

const NO_SESSION = { user: null, expiresAt: null, error: null, loginError: null, acr: null, authTime: null } as const;

/** Before the first answer from `/session`. */
export const LOADING_STATE: SessionState<never> = { status: 'loading', ...NO_SESSION };

export const UNAUTHENTICATED_STATE: SessionState<never> = { status: 'unauthenticated', ...NO_SESSION };

/** Turns the body of `GET /session` into a state; throws `invalid_response` on anything else. */
export function parseSessionResponse<TUser>(body: unknown): SessionState<TUser> {
  const { authenticated, user, expiresAt, acr, authTime } = (body ?? {}) as Record<string, unknown>;
  if (authenticated === false) return UNAUTHENTICATED_STATE;
  if (authenticated !== true || typeof user !== 'object' || !user) {
    throw new BffError({ status: 200, code: 'invalid_response', title: 'Unreadable /session answer' });
  }
  // `loginError` is the client's own: update() keeps the current one.
  return {
    status: 'authenticated',
    user: user as TUser,
    expiresAt: typeof expiresAt === 'number' ? expiresAt : null,
    error: null,
    loginError: null,
    acr: typeof acr === 'string' ? acr : null,
    authTime: typeof authTime === 'number' ? authTime : null,
  };
}

/** The state after a failed refresh: what we knew (user, expiresAt) stays, the error is added. */
export function errorState<TUser>(previous: SessionState<TUser>, error: BffError): SessionState<TUser> {
  return { ...previous, status: 'error', error };
}

/** Returns `previous` when `next` says the same thing, so that a refetch that brings nothing new re-renders nothing. */
export function reuseIfEqual<TUser>(previous: SessionState<TUser>, next: SessionState<TUser>): SessionState<TUser> {
  // Claims are JSON from the same BFF, in the same key order: comparing the text is enough.
  // (The error is compared by identity: each failure is news.)
  return previous.error === next.error && JSON.stringify(previous) === JSON.stringify(next) ? previous : next;
}
