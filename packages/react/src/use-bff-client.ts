import type { BffClient, User } from '@cloakroom/client';
import { useContext } from './react.js';
import { BffClientContext } from './bff-client-context.js';

/** The {@link BffClient} of the nearest {@link AuthProvider}; throws outside one. */
export function useBffClient<TUser = User>(): BffClient<TUser> {
  const client = useContext(BffClientContext);
  if (!client) throw new Error('Cloakroom hooks need an <AuthProvider> above them.');
  return client as BffClient<TUser>;
}
