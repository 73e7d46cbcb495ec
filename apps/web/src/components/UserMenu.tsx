import { useSession } from '@cloakroom/react';
import { useState } from 'react';
import type { DemoUser } from '../demo-user.js';
import { ErrorMessage } from './ErrorMessage.js';
import { SessionExpiry } from './SessionExpiry.js';

/** Who is signed in, until when, and the way out. Rendered inside <SignedIn>. */
export function UserMenu() {
  const { user, expiresAt, logout } = useSession<DemoUser>();
  const [signOutError, setSignOutError] = useState<unknown>(null);
  if (!user) return null;

  const signOut = () => {
    setSignOutError(null);
    // Also signs out every other tab of the app (they hear it on the BroadcastChannel).
    logout().catch(setSignOutError);
  };

  return (
    <div className="who">
      <span>
        Signed in as <strong data-testid="user-name">{user.name ?? user.email ?? user.sub}</strong>
        <br />
        <SessionExpiry expiresAt={expiresAt} />
      </span>
      <button type="button" data-testid="sign-out" onClick={signOut}>
        Sign out
      </button>
      <ErrorMessage error={signOutError} />
    </div>
  );
}
