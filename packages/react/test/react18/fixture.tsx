// Bundled by react18.test.ts with `react` and `react-dom` aliased to React 18, then run in happy-dom.
import { StrictMode, version } from 'react';
import { createRoot } from 'react-dom/client';
import { AuthProvider, createBffClient, RequireAuth, SignedOut, useSession } from '../../src/index.js';
import type { FetchLike } from '../../src/index.js';

function Greeting() {
  const session = useSession();
  if (session.status !== 'authenticated') return null;
  return (
    <button type="button" onClick={() => void session.logout()}>
      Sign out {session.user.name}
    </button>
  );
}

/** Renders the SDK's components with this bundle's React into `container`. */
export function mount(container: Element, fetch: FetchLike, navigate: (url: string) => void) {
  const client = createBffClient({ fetch, navigate, crossTab: false });
  const root = createRoot(container);
  root.render(
    <StrictMode>
      <AuthProvider client={client}>
        <Greeting />
        <SignedOut>
          <p>Signed out</p>
        </SignedOut>
        <RequireAuth redirectToLogin fallback={<p>Redirecting</p>}>
          <p>Orders</p>
        </RequireAuth>
      </AuthProvider>
    </StrictMode>,
  );
  return { reactVersion: version, unmount: () => root.unmount() };
}
