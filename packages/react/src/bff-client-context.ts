import type { BffClient } from '@cloakroom/client';
import { createContext } from './react.js';

/** The client that {@link AuthProvider} hands down; `null` outside any provider. */
// `any`: one context serves every user type; useSession<TUser>() narrows it at the edge.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const BffClientContext = createContext<BffClient<any> | null>(null);
