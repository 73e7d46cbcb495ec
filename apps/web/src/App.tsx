import { useSession } from '@cloakroom/react';
import { useState } from 'react';
import { ErrorMessage } from './components/ErrorMessage.js';
import { OrdersPanel } from './components/OrdersPanel.js';
import { SignInPanel } from './components/SignInPanel.js';

/** The demo: signed out, a sign-in button; signed in, the user's orders. */
export function App() {
  const session = useSession();
  const [signOutError, setSignOutError] = useState<unknown>(null);

  const signOut = () => {
    setSignOutError(null);
    session.logout().catch(setSignOutError);
  };

  return (
    <main className="app">
      <header className="app-header">
        <h1>Cloakroom demo</h1>
        {session.status === 'authenticated' && (
          <div className="who">
            <span>
              Signed in as <strong data-testid="user-name">{session.user.name ?? session.user.email ?? session.user.sub}</strong>
            </span>
            <button type="button" data-testid="sign-out" onClick={signOut}>
              Sign out
            </button>
          </div>
        )}
      </header>
      <ErrorMessage error={signOutError} />

      {session.status === 'loading' && (
        <p className="muted" role="status" data-testid="loading">
          Checking your session…
        </p>
      )}
      {session.status === 'unauthenticated' && <SignInPanel onSignIn={() => session.login()} />}
      {session.status === 'error' && (
        <section className="panel">
          <ErrorMessage error={session.error} />
          <button type="button" onClick={() => void session.refresh()}>
            Try again
          </button>
        </section>
      )}
      {session.status === 'authenticated' && <OrdersPanel />}
    </main>
  );
}
