import type { ReactNode } from 'react';
import { useSession } from './use-session.js';

/**
 * Renders `children` only when the BFF has said there is no session (`'unauthenticated'`):
 * not while loading, so a signed-in user never sees a flash of "Sign in".
 *
 * @example
 * <SignedOut><button onClick={() => login()}>Sign in</button></SignedOut>
 */
export function SignedOut({ children }: { children?: ReactNode }) {
  return useSession().status === 'unauthenticated' ? children : null;
}
