import type { ReactNode } from 'react';
import { useSession } from './useSession.js';

/**
 * Renders `children` only while a user is signed in: `'authenticated'`, or `'error'` with the last
 * known user (a failed refetch does not tear the page down). Nothing while loading or signed out.
 *
 * @example
 * <SignedIn><UserMenu /></SignedIn>
 */
export function SignedIn({ children }: { children?: ReactNode }) {
  return useSession().user ? children : null;
}
