// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { AuthProvider, BffError, createBffClient, SignedIn, SignedOut, useBffFetch, useSession } from '../src/index.js';
import type { FetchLike } from '../src/index.js';
import { jsonResponse } from '@cloakroom/test-harness/fake-bff';

afterEach(cleanup);

/** One BFF that several tabs share: the session is `user`, the orders API answers 401 without it. */
function sharedBff() {
  const state = { user: { sub: 'alice', name: 'Alice Example', roles: ['buyer'] } as object | null };
  const calls: string[] = [];
  const fetch: FetchLike = async (url, init) => {
    const route = `${init.method ?? 'GET'} ${url}`;
    calls.push(route);
    if (route === 'GET /bff/session') {
      return jsonResponse(state.user ? { authenticated: true, user: state.user, expiresAt: 1764100000 } : { authenticated: false });
    }
    if (route === 'POST /bff/logout') {
      state.user = null;
      return jsonResponse({ endSessionUrl: null });
    }
    if (state.user) return jsonResponse([{ id: '1', item: 'Coat' }]);
    return new Response(JSON.stringify({ title: 'Session expired', status: 401, code: 'session_expired' }), {
      status: 401,
      headers: { 'Content-Type': 'application/problem+json' },
    });
  };
  return { state, calls, fetch };
}

function Orders() {
  const bffFetch = useBffFetch();
  const [result, setResult] = useState('');
  const load = () =>
    bffFetch.json<{ item: string }[]>('/api/orders/orders').then(
      (orders) => setResult(orders.map((order) => order.item).join()),
      (error: unknown) => setResult(error instanceof BffError ? error.code : 'unexpected'),
    );
  return (
    <>
      <button type="button" onClick={() => void load()}>
        Load orders
      </button>
      <output>{result}</output>
    </>
  );
}

function Page() {
  const { logout } = useSession();
  return (
    <>
      <SignedIn>
        <button type="button" onClick={() => void logout()}>
          Sign out
        </button>
        <Orders />
      </SignedIn>
      <SignedOut>
        <button type="button">Sign in</button>
      </SignedOut>
    </>
  );
}

describe('a session that ends under the app', () => {
  it('shows sign-in after a 401 session_expired, once, with no request loop', async () => {
    const bff = sharedBff();
    const client = createBffClient({ fetch: bff.fetch, crossTab: false });
    const onExpired = vi.fn();
    client.on('sessionExpired', onExpired);
    render(
      <AuthProvider client={client}>
        <Page />
      </AuthProvider>,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Load orders' }));
    expect(await screen.findByText('Coat')).toBeTruthy();

    bff.state.user = null;
    fireEvent.click(screen.getByRole('button', { name: 'Load orders' }));

    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    expect(bff.calls).toEqual(['GET /bff/session', 'GET /bff/api/orders/orders', 'GET /bff/api/orders/orders']);
    expect(onExpired).toHaveBeenCalledTimes(1);
  });
});

describe('two tabs', () => {
  it('signing out in one shows the other signed out, without reload', async () => {
    const bff = sharedBff();
    const tab = (name: string) => (
      <section aria-label={name}>
        <AuthProvider client={createBffClient({ fetch: bff.fetch, navigate: vi.fn() })}>
          <Page />
        </AuthProvider>
      </section>
    );
    render(
      <>
        {tab('tab A')}
        {tab('tab B')}
      </>,
    );
    const tabA = within(screen.getByRole('region', { name: 'tab A' }));
    const tabB = within(screen.getByRole('region', { name: 'tab B' }));
    fireEvent.click(await tabA.findByRole('button', { name: 'Sign out' }));

    expect(await tabA.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(await tabB.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(bff.calls.filter((call) => call === 'GET /bff/session')).toHaveLength(3);
  });
});

describe('useSession<TUser>', () => {
  interface Buyer {
    sub: string;
    name: string;
    roles: string[];
  }

  it('types custom claims through the generic', async () => {
    const bff = sharedBff();
    function Roles() {
      const session = useSession<Buyer>();
      if (session.status !== 'authenticated') return null;
      // Checked by the typecheck; at run time, the text below proves the claims arrived.
      expectTypeOf(session.user).toEqualTypeOf<Buyer>();
      const roles: string[] = session.user.roles;
      return <p>{roles.join()}</p>;
    }
    render(
      <AuthProvider client={createBffClient<Buyer>({ fetch: bff.fetch, crossTab: false })}>
        <Roles />
      </AuthProvider>,
    );
    expect(await screen.findByText('buyer')).toBeTruthy();
  });
});
