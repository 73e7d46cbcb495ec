import type { BffClientEvent, SessionState, User } from './types.js';

/**
 * The event that the change `before` → `after` is, if any. Only real changes count, so the
 * same news arriving twice (many concurrent `401`s, a refetch after a logout) makes one event.
 *
 * @param expired the change comes from the BFF saying the session is gone (a `401`, or the expiry re-check)
 * @param cameBackFromLogin whether this page is the one the login callback landed on; asked only when it matters
 */
export function sessionEvent<TUser>(
  before: SessionState<TUser>,
  after: SessionState<TUser>,
  expired: boolean,
  cameBackFromLogin: () => boolean,
): BffClientEvent | null {
  if (after.status === 'unauthenticated') return before.user === null ? null : expired ? 'sessionExpired' : 'signedOut';
  if (after.status !== 'authenticated') return null;
  // From an unknown state ('loading', or an error with no user yet) only a fresh login counts: a reload does not.
  const isNewUser =
    before.user === null
      ? before.status === 'unauthenticated' || cameBackFromLogin()
      : (before.user as User).sub !== (after.user as User).sub;
  return isNewUser ? 'signedIn' : null;
}
