// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { StrictMode } from 'react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { AuthProvider, createBffClient, RequireAuth, SignedIn, SignedOut, useSession } from '../src/index.js';
import type { BffClient, User } from '../src/index.js';
import { fakeBff, jsonResponse, signedIn, signedOut } from '@cloakroom/test-harness/fake-bff';

afterEach(cleanup);

beforeEach(() => {
  window.history.replaceState(null, '', '/orders?tab=open');
});

const error503 = () =>
  new Response(JSON.stringify({ title: 'IdP unavailable', status: 503, code: 'idp_unavailable' }), {
    status: 503,
    headers: { 'Content-Type': 'application/problem+json' },
  });

/** A client whose /session answers whatever `answer` is when asked. */
function clientAnswering(initial: () => Response, endSessionUrl: string | null = null) {
  let answer = initial;
  const navigate = vi.fn();
  const bff = fakeBff({ 'GET /bff/session': () => answer(), 'POST /bff/logout': () => jsonResponse({ endSessionUrl }) });
  const client = createBffClient({ fetch: bff.fetch, navigate, crossTab: false, refetchOnFocus: false });
  return { client, navigate, calls: bff.calls, answerWith: (next: () => Response) => (answer = next) };
}

function Gates() {
  return (
    <>
      <SignedIn>
        <p>signed in</p>
      </SignedIn>
      <SignedOut>
        <p>signed out</p>
      </SignedOut>
    </>
  );
}

const visibleText = () => document.body.textContent;

describe('<SignedIn> and <SignedOut>', () => {
  it('show nothing while loading, then the matching branch as the session changes', async () => {
    const { client, answerWith } = clientAnswering(signedIn);
    render(
      <AuthProvider client={client}>
        <Gates />
      </AuthProvider>,
    );
    expect(visibleText()).toBe('');
    await screen.findByText('signed in');
    expect(visibleText()).toBe('signed in');

    answerWith(error503);
    await act(() => client.refresh());
    // A failed refetch keeps the known user: the signed-in UI stays.
    expect(client.getSnapshot().status).toBe('error');
    expect(visibleText()).toBe('signed in');

    answerWith(signedOut);
    await act(() => client.refresh());
    expect(visibleText()).toBe('signed out');
  });

  it('show neither after an error with no known user', async () => {
    const { client } = clientAnswering(error503);
    render(
      <AuthProvider client={client}>
        <Gates />
      </AuthProvider>,
    );
    await act(() => client.refresh());
    expect(client.getSnapshot().status).toBe('error');
    expect(visibleText()).toBe('');
  });
});

describe('<SignedIn> with a function', () => {
  interface Buyer {
    sub: string;
    name: string;
    roles: string[];
  }

  it('calls it with the signed-in user, typed and never null', async () => {
    const { client } = clientAnswering(() =>
      jsonResponse({ authenticated: true, user: { sub: 'alice', name: 'Alice Example', roles: ['buyer', 'admin'] }, expiresAt: null }),
    );
    render(
      <AuthProvider client={client}>
        <SignedIn>
          {(user) => {
            expectTypeOf(user).toEqualTypeOf<User>();
            return <p>hello {user.sub}</p>;
          }}
        </SignedIn>
        <SignedIn<Buyer>>
          {(buyer) => {
            expectTypeOf(buyer).toEqualTypeOf<Buyer>();
            return <p>{buyer.roles.join(' and ')}</p>;
          }}
        </SignedIn>
        <SignedOut>
          <p>signed out</p>
        </SignedOut>
      </AuthProvider>,
    );
    expect(visibleText()).toBe('');
    await screen.findByText('hello alice');
    expect(visibleText()).toBe('hello alicebuyer and admin');

    await act(() => client.logout());
    expect(visibleText()).toBe('signed out');
  });

  it('does not call it while loading or signed out', async () => {
    const { client } = clientAnswering(signedOut);
    const child = vi.fn(() => 'user');
    render(
      <AuthProvider client={client}>
        <SignedIn>{child}</SignedIn>
      </AuthProvider>,
    );
    await act(() => client.refresh());
    expect(client.getSnapshot().status).toBe('unauthenticated');
    expect(child).not.toHaveBeenCalled();
    expect(visibleText()).toBe('');
  });
});

function renderGuard(client: BffClient, props: { redirectToLogin?: boolean; fallback?: ReactNode }, strict = false) {
  const tree = (
    <AuthProvider client={client}>
      <RequireAuth {...props}>
        <p>orders</p>
      </RequireAuth>
    </AuthProvider>
  );
  return render(strict ? <StrictMode>{tree}</StrictMode> : tree);
}

describe('<RequireAuth>', () => {
  it('renders the fallback while loading and for a signed-out visitor, the children once signed in', async () => {
    const { client, answerWith, navigate } = clientAnswering(signedOut);
    renderGuard(client, { fallback: <p>please sign in</p> });
    expect(visibleText()).toBe('please sign in');
    await act(() => client.refresh());
    expect(visibleText()).toBe('please sign in');

    answerWith(signedIn);
    await act(() => client.refresh());
    expect(visibleText()).toBe('orders');
    expect(navigate).not.toHaveBeenCalled();
  });

  it('renders nothing by default in place of the children', async () => {
    const { client } = clientAnswering(signedOut);
    renderGuard(client, {});
    await act(() => client.refresh());
    expect(visibleText()).toBe('');
  });

  it('with redirectToLogin, logs in once, back to the current path and query, and not while loading', async () => {
    const { client, navigate } = clientAnswering(signedOut);
    const view = renderGuard(client, { redirectToLogin: true, fallback: <p>redirecting</p> });
    expect(navigate).not.toHaveBeenCalled();

    await screen.findByText('redirecting');
    await vi.waitFor(() => expect(navigate).toHaveBeenCalled());
    // Re-renders and refetches that say the same do not log in again.
    await act(() => client.refresh());
    view.rerender(
      <AuthProvider client={client}>
        <RequireAuth redirectToLogin fallback={<p>still redirecting</p>}>
          <p>orders</p>
        </RequireAuth>
      </AuthProvider>,
    );
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/bff/login?returnTo=%2Forders%3Ftab%3Dopen');
  });

  it('with redirectToLogin, logs in once under StrictMode, whose double effects run on a signed-out mount', async () => {
    const { client, navigate, calls } = clientAnswering(signedOut);
    await client.refresh();
    renderGuard(client, { redirectToLogin: true }, true);
    await act(() => Promise.resolve());
    expect(navigate).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(1);
  });

  it('with redirectToLogin, logs in once per mount even if the session goes back and forth', async () => {
    const { client, navigate, answerWith } = clientAnswering(signedOut);
    renderGuard(client, { redirectToLogin: true });
    await vi.waitFor(() => expect(navigate).toHaveBeenCalled());
    answerWith(error503);
    await act(() => client.refresh());
    answerWith(signedOut);
    await act(() => client.refresh());
    expect(navigate).toHaveBeenCalledTimes(1);
  });

  it('with redirectToLogin, leaves a signed-in user where they are, and logs in once when the session ends', async () => {
    const { client, navigate, answerWith } = clientAnswering(signedIn);
    renderGuard(client, { redirectToLogin: true });
    await screen.findByText('orders');
    expect(navigate).not.toHaveBeenCalled();

    answerWith(signedOut);
    await act(() => client.refresh());
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/bff/login?returnTo=%2Forders%3Ftab%3Dopen');
  });

  it('with redirectToLogin, lets a sign-out reach the IdP instead of logging straight back in', async () => {
    const endSessionUrl = 'http://127.0.0.1:4000/session/end?client_id=bff';
    const { client, navigate } = clientAnswering(signedIn, endSessionUrl);
    renderGuard(client, { redirectToLogin: true, fallback: <p>signed out</p> });
    await screen.findByText('orders');

    await act(() => client.logout());
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(visibleText()).toBe('signed out');
    expect(navigate.mock.calls).toEqual([[endSessionUrl]]);
  });

  it('with redirectToLogin, stays signed out on a page that stays after logout, and an explicit login still works', async () => {
    const { client, navigate } = clientAnswering(signedIn);
    function SignInButton() {
      const { login } = useSession();
      return (
        <button type="button" onClick={() => login()}>
          Sign in
        </button>
      );
    }
    render(
      <AuthProvider client={client}>
        <RequireAuth redirectToLogin fallback={<SignInButton />}>
          <p>orders</p>
        </RequireAuth>
      </AuthProvider>,
    );
    await screen.findByText('orders');

    await act(() => client.logout());
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(navigate).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/bff/login?returnTo=%2Forders%3Ftab%3Dopen');
  });

  it('with redirectToLogin, still logs in when a logout fails and the session later ends', async () => {
    const navigate = vi.fn();
    let session = signedIn;
    const bff = fakeBff({
      'GET /bff/session': () => session(),
      'POST /bff/logout': () =>
        new Response(JSON.stringify({ title: 'IdP unavailable', status: 503, code: 'session_store_unavailable' }), {
          status: 503,
          headers: { 'Content-Type': 'application/problem+json' },
        }),
    });
    const client = createBffClient({ fetch: bff.fetch, navigate, crossTab: false, refetchOnFocus: false });
    renderGuard(client, { redirectToLogin: true });
    await screen.findByText('orders');

    await act(() => expect(client.logout()).rejects.toMatchObject({ code: 'session_store_unavailable' }));
    expect(client.isLoggingOut()).toBe(false);
    expect(visibleText()).toBe('orders');

    session = signedOut;
    await act(() => client.refresh());
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/bff/login?returnTo=%2Forders%3Ftab%3Dopen');
  });
});
