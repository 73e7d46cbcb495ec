import type { BffClient, SessionState, User } from '@cloakroom/client';
import { useMemo, useSyncExternalStore } from 'react';
import { useBffClient } from './useBffClient.js';

/** What {@link useSession} returns: the session state and the actions on it. */
export type UseSessionResult<TUser = User> = SessionState<TUser> & Pick<BffClient<TUser>, 'login' | 'logout' | 'refresh'>;

/**
 * The current session, re-rendering the component when it changes.
 * Narrow on `status`: with `'authenticated'`, `user` is set.
 *
 * @example
 * const { status, user, login, logout } = useSession();
 * if (status === 'authenticated') return <button onClick={() => void logout()}>Sign out {user.name}</button>;
 */
export function useSession<TUser = User>(): UseSessionResult<TUser> {
  const client = useBffClient<TUser>();
  // The server snapshot is the client's own: 'loading' until the browser has asked the BFF.
  const state = useSyncExternalStore(client.subscribe, client.getSnapshot, client.getSnapshot);
  return useMemo(
    () => ({ ...state, login: client.login, logout: client.logout, refresh: client.refresh }),
    [state, client],
  );
}
