import type { User } from '@cloakroom/client';
import type { ReactNode } from 'react';
import { useSession } from './use-session.js';

/** Props of {@link SignedIn}. */
export interface SignedInProps<TUser = User> {
  /** What to show, or a function of the signed-in user (typed `TUser`, never `null`) that returns it. */
  children?: ReactNode | ((user: TUser) => ReactNode);
}

/**
 * Renders `children` only while a user is signed in: `'authenticated'`, or `'error'` with the last
 * known user (a failed refetch does not tear the page down). Nothing while loading or signed out.
 * Given a function, calls it with the user: no `user?.` needed inside.
 *
 * @example
 * <SignedIn><UserMenu /></SignedIn>
 * <SignedIn>{(user) => <p>Signed in as {user.sub}</p>}</SignedIn>
 * <SignedIn<Buyer>>{(buyer) => buyer.roles.join(', ')}</SignedIn>
 */
export function SignedIn<TUser = User>({ children }: SignedInProps<TUser>) {
  const { user } = useSession<TUser>();
  return user ? (typeof children === 'function' ? children(user) : children) : null;
}
