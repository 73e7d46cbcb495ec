import { createBffClient } from '@cloakroom/client';
import type { BffClient } from '@cloakroom/client';
import { createElement, useEffect, useState } from './react.js';
import type { ReactNode } from 'react';
import { BffClientContext } from './bff-client-context.js';

/** Props of {@link AuthProvider}. */
export interface AuthProviderProps {
  /** A client of your own (e.g. shared with non-React code). Default: one created for this provider. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  client?: BffClient<any>;
  /** Base path of the BFF, for the client the provider creates. Default `'/bff'`. Ignored with `client`. */
  basePath?: string;
  children?: ReactNode;
}

/**
 * Makes a {@link BffClient} available to {@link useSession}, {@link useBffFetch} and
 * {@link useBffClient} below it, and loads the session once mounted.
 *
 * @example
 * <AuthProvider basePath="/bff">
 *   <App />
 * </AuthProvider>
 */
export function AuthProvider({ client, basePath, children }: AuthProviderProps) {
  // Created once per provider. Cheap and side-effect free (no request until refresh()), so it does
  // not matter that StrictMode may call the initializer twice or that a `client` prop makes it unused.
  const [ownClient] = useState(() => createBffClient({ basePath }));
  const activeClient = client ?? ownClient;

  useEffect(() => {
    // StrictMode runs this twice; the client shares the in-flight request, so /session is fetched once.
    if (activeClient.getSnapshot().status === 'loading') void activeClient.refresh();
  }, [activeClient]);

  // createElement rather than JSX: no import of react/jsx-runtime for this one element.
  return createElement(BffClientContext.Provider, { value: activeClient }, children);
}
