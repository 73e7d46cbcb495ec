import { useEffect, useRef } from './react.js';
import type { ReactNode } from 'react';
import { useSession } from './use-session.js';

/** Props of {@link RequireAuth}. */
export interface RequireAuthProps {
  children?: ReactNode;
  /** Shown instead of `children` while loading, signed out, or after an error with no known user. Default: nothing. */
  fallback?: ReactNode;
  /**
   * When the BFF says there is no session, go to the login page, coming back to the current path
   * and query afterwards. Once per mount: never in a loop, and once under StrictMode. Never after the
   * user chose to sign out on this page (`logout()`), which would sign them straight back in.
   */
  redirectToLogin?: boolean;
}

/**
 * Renders `children` only for a signed-in user (as {@link SignedIn}), `fallback` otherwise, and can
 * send a signed-out visitor to the login page.
 *
 * @example
 * <RequireAuth fallback={<p>Redirecting to sign-in…</p>} redirectToLogin>
 *   <Orders />
 * </RequireAuth>
 */
export function RequireAuth({ children, fallback = null, redirectToLogin = false }: RequireAuthProps) {
  const { status, user, login, isLoggingOut } = useSession();
  const mustRedirect = redirectToLogin && status === 'unauthenticated';
  // A ref, not state: it survives StrictMode's second effect run, which must not log in again.
  const redirectedRef = useRef(false);

  useEffect(() => {
    if (!mustRedirect || redirectedRef.current || isLoggingOut()) return;
    redirectedRef.current = true;
    login();
  }, [mustRedirect, login, isLoggingOut]);

  return user ? children : fallback;
}
