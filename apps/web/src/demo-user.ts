import type { User } from '@cloakroom/react';

/** The claims the demo IdP puts in the session: `useSession<DemoUser>()` types them. */
export interface DemoUser extends User {
  name?: string;
  email?: string;
  email_verified?: boolean;
}
