// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, renderHook, screen } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthProvider, createBffClient, useBffClient, useBffFetch, useSession } from '../src/index.js';
import { fakeBff, jsonResponse, signedIn, signedOut } from '@cloakroom/test-harness/fake-bff';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function Greeting() {
  const session = useSession();
  if (session.status === 'loading') return <p data-testid="loading">Loading…</p>;
  if (session.status !== 'authenticated') {
    return (
      <button type="button" onClick={() => session.login()}>
        Sign in
      </button>
    );
  }
  return (
    <>
      <p data-testid="user-name">{session.user.name}</p>
      <button type="button" onClick={() => void session.logout()}>
        Sign out
      </button>
    </>
  );
}

describe('AuthProvider + useSession', () => {
  it('renders loading, then the signed-in user', async () => {
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedIn }).fetch });
    render(
      <AuthProvider client={client}>
        <Greeting />
      </AuthProvider>,
    );
    expect(screen.getByTestId('loading')).toBeTruthy();
    expect((await screen.findByTestId('user-name')).textContent).toBe('Alice Example');
  });

  it('renders the signed-out view when there is no session', async () => {
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedOut }).fetch });
    render(
      <AuthProvider client={client}>
        <Greeting />
      </AuthProvider>,
    );
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
  });

  it('creates its own client on basePath, and fetches /session once under StrictMode', async () => {
    const bff = fakeBff({ 'GET /auth/session': signedIn });
    vi.stubGlobal('fetch', bff.fetch);
    render(
      <StrictMode>
        <AuthProvider basePath="/auth">
          <Greeting />
        </AuthProvider>
      </StrictMode>,
    );
    await screen.findByTestId('user-name');
    expect(bff.calls.map((call) => `${call.method} ${call.url}`)).toEqual(['GET /auth/session']);
    expect(bff.calls[0]?.headers.get('X-CSRF')).toBe('1');
  });

  it('does not refetch a session the given client already has', async () => {
    const bff = fakeBff({ 'GET /bff/session': signedIn });
    const client = createBffClient({ fetch: bff.fetch });
    await client.refresh();
    render(
      <AuthProvider client={client}>
        <Greeting />
      </AuthProvider>,
    );
    expect(screen.getByTestId('user-name').textContent).toBe('Alice Example');
    expect(bff.calls).toHaveLength(1);
  });

  it('signs out: POST /logout, off to the end-session URL, and the UI signed out', async () => {
    const endSessionUrl = 'http://127.0.0.1:4000/session/end?client_id=bff';
    const bff = fakeBff({ 'GET /bff/session': signedIn, 'POST /bff/logout': () => jsonResponse({ endSessionUrl }) });
    const navigate = vi.fn();
    const client = createBffClient({ fetch: bff.fetch, navigate });
    render(
      <AuthProvider client={client}>
        <Greeting />
      </AuthProvider>,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeTruthy();
    expect(bff.calls.map((call) => `${call.method} ${call.url}`)).toEqual(['GET /bff/session', 'POST /bff/logout']);
    expect(navigate).toHaveBeenCalledExactlyOnceWith(endSessionUrl);
  });

  it('signs in by navigating to the login route', async () => {
    const navigate = vi.fn();
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedOut }).fetch, navigate });
    window.history.replaceState(null, '', '/orders');
    render(
      <AuthProvider client={client}>
        <Greeting />
      </AuthProvider>,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(navigate).toHaveBeenCalledWith('/bff/login?returnTo=%2Forders');
  });
});

describe('loginError', () => {
  function SignInProblem() {
    const { loginError, clearLoginError } = useSession();
    if (!loginError) return <p>no problem</p>;
    return (
      <p role="alert">
        Sign-in failed: {loginError}
        <button type="button" onClick={clearLoginError}>
          Dismiss
        </button>
      </p>
    );
  }

  it('shows the code the BFF redirected back with, once, off the URL, until dismissed (StrictMode)', async () => {
    window.history.replaceState(null, '', '/orders?cloakroom_error=idp_unavailable&tab=open#list');
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedOut }).fetch, crossTab: false });
    render(
      <StrictMode>
        <AuthProvider client={client}>
          <SignInProblem />
        </AuthProvider>
      </StrictMode>,
    );
    expect((await screen.findByRole('alert')).textContent).toBe('Sign-in failed: idp_unavailable' + 'Dismiss');
    expect(location.pathname + location.search + location.hash).toBe('/orders?tab=open#list');

    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.getByText('no problem')).toBeTruthy();
    expect(client.getSnapshot().loginError).toBeNull();
  });

  it('never renders a value that is not a plain code', async () => {
    window.history.replaceState(null, '', '/?cloakroom_error=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E');
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedOut }).fetch, crossTab: false });
    render(
      <AuthProvider client={client}>
        <SignInProblem />
      </AuthProvider>,
    );
    await act(() => client.refresh());
    expect(screen.getByText('no problem')).toBeTruthy();
    expect(location.search).toBe('');
  });
});

describe('hooks', () => {
  it('useBffFetch and useBffClient give the provider’s client, stable across renders', async () => {
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedIn }).fetch });
    const { result, rerender } = renderHook(() => ({ fetch: useBffFetch(), client: useBffClient() }), {
      wrapper: ({ children }) => <AuthProvider client={client}>{children}</AuthProvider>,
    });
    const first = result.current;
    await act(() => client.refresh());
    rerender();
    expect(result.current.client).toBe(client);
    expect(result.current.fetch).toBe(client.bffFetch);
    expect(result.current.fetch).toBe(first.fetch);
  });

  it('throw a clear error outside <AuthProvider>', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => renderHook(() => useSession())).toThrow(/<AuthProvider>/);
    vi.mocked(console.error).mockRestore();
  });
});
