import type { BffClient, SessionState, User } from '@cloakroom/client';
import { useMemo, useSyncExternalStore } from './react.js';
import { useBffClient } from './use-bff-client.js';

/** What {@link useSession} returns: the session state (with `loginError`) and the actions on it. */
export type UseSessionResult<TUser = User> = SessionState<TUser> &
  Pick<BffClient<TUser>, 'login' | 'logout' | 'refresh' | 'clearLoginError' | 'isLoggingOut'>;

/**
 * The current session, re-rendering the component when it changes.
 * Narrow on `status`: with `'authenticated'`, `user` is set. `loginError` is the code of a failed
 * sign-in or sign-out that the BFF sent the browser back with (see {@link SessionState}); `clearLoginError()` dismisses it.
 *
 * @example
 * const { status, user, login, logout, loginError, clearLoginError } = useSession();
 * if (loginError) return <p role="alert">Sign-in failed ({loginError}). <button onClick={clearLoginError}>OK</button></p>;
 * if (status === 'authenticated') return <button onClick={() => void logout()}>Sign out {user.name}</button>;
 */
export function useSession<TUser = User>(): UseSessionResult<TUser> {
  const client = useBffClient<TUser>();
  // The server snapshot is the client's own: 'loading' until the browser has asked the BFF.
  const state = useSyncExternalStore(client.subscribe, client.getSnapshot, client.getSnapshot);
  // The client's members are all bound functions (and `basePath`): spread, they are its actions.
  return useMemo(() => ({ ...client, ...state }), [state, client]);
}
