import { RequireAuth, SignedIn, SignedOut, useSession } from '@cloakroom/react';
import { ErrorMessage } from './components/ErrorMessage.js';
import { NavBar } from './components/NavBar.js';
import { OrdersPanel } from './components/OrdersPanel.js';
import { ProfilePanel } from './components/ProfilePanel.js';
import { SessionNotices } from './components/SessionNotices.js';
import { SignInProblem } from './components/SignInProblem.js';
import { SignInPanel } from './components/SignInPanel.js';
import { TransferPanel } from './components/TransferPanel.js';
import { UserMenu } from './components/UserMenu.js';
import { TRANSFER_PAGE } from './transfer.js';
import { usePath } from './use-path.js';

/**
 * The demo, one feature of the SDK per part: <SignedIn>/<SignedOut>, the session's expiry, the
 * client's events, errors with their code, <RequireAuth> in its two forms (a fallback on Orders,
 * a redirect to login on Profile), and step-up authentication (Transfer).
 */
export function App() {
  const { status, user, error, login, refresh } = useSession();
  const [path, goTo] = usePath();

  return (
    <main className="app">
      <header className="app-header">
        <h1>Cloakroom demo</h1>
        <SignedIn>
          <UserMenu />
        </SignedIn>
      </header>
      <SessionNotices />
      <SignInProblem />

      {status === 'loading' && (
        <p className="muted" role="status" data-testid="loading">
          Checking your session…
        </p>
      )}
      {status === 'error' && (
        // With a known user, the page stays usable (a failed refetch); without one, this is all there is.
        <section className="panel">
          <ErrorMessage error={error} />
          {!user && (
            <button type="button" onClick={() => void refresh()}>
              Try again
            </button>
          )}
        </section>
      )}
      <SignedOut>
        <SignInPanel onSignIn={() => login()} />
      </SignedOut>

      <NavBar path={path} goTo={goTo} />
      {path === '/profile' ? (
        <RequireAuth redirectToLogin fallback={<p className="muted">Taking you to sign-in…</p>}>
          <ProfilePanel />
        </RequireAuth>
      ) : path === TRANSFER_PAGE ? (
        <RequireAuth fallback={<p className="muted">Sign in to make a transfer.</p>}>
          <TransferPanel />
        </RequireAuth>
      ) : (
        <RequireAuth fallback={<p className="muted">Your orders appear here once you are signed in.</p>}>
          <OrdersPanel />
        </RequireAuth>
      )}

      <footer className="muted footer">
        Open this page in a second tab: signing in or out in one shows in the other within a second, without a reload (the tabs talk over a
        BroadcastChannel and each asks the BFF). Your tokens stay with the BFF; this page holds only a cookie it cannot read.
      </footer>
    </main>
  );
}
