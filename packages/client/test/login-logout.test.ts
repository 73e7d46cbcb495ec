// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBffClient } from '../src/index.js';
import { alice, deferred, fakeBff, jsonResponse, problemResponse, signedIn, signedOut } from '@cloakroom/test-harness/fake-bff';

const END_SESSION_URL = 'http://127.0.0.1:4000/session/end?client_id=bff';

beforeEach(() => {
  window.history.replaceState(null, '', '/orders?tab=open#top');
});

describe('login', () => {
  it('navigates to the BFF login route, coming back to the current path and query', () => {
    const navigate = vi.fn();
    createBffClient({ fetch: fakeBff({}).fetch, navigate }).login();
    expect(navigate).toHaveBeenCalledWith('/bff/login?returnTo=%2Forders%3Ftab%3Dopen');
  });

  it('takes an explicit returnTo and the base path', () => {
    const navigate = vi.fn();
    createBffClient({ fetch: fakeBff({}).fetch, navigate, basePath: '/auth' }).login({ returnTo: '/a b' });
    expect(navigate).toHaveBeenCalledWith('/auth/login?returnTo=%2Fa+b');
  });

  it('passes the OpenID Connect login parameters it is given, and none it is not', () => {
    const navigate = vi.fn();
    const client = createBffClient({ fetch: fakeBff({}).fetch, navigate });
    client.login({ returnTo: '/', prompt: 'login', login_hint: 'alice@example.com', max_age: 0, ui_locales: undefined });
    const url = new URL(navigate.mock.calls[0]![0] as string, 'http://app.test');
    expect(url.pathname).toBe('/bff/login');
    expect(Object.fromEntries(url.searchParams)).toEqual({ returnTo: '/', prompt: 'login', login_hint: 'alice@example.com', max_age: '0' });
  });

  it('uses window.location.assign by default', () => {
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => {});
    createBffClient({ fetch: fakeBff({}).fetch }).login({ returnTo: '/' });
    expect(assign).toHaveBeenCalledWith('/bff/login?returnTo=%2F');
    assign.mockRestore();
  });
});

describe('logout', () => {
  it('POSTs with X-CSRF, then follows endSessionUrl with the state unauthenticated', async () => {
    const endSessionUrl = 'http://127.0.0.1:4000/session/end?id_token_hint=x&post_logout_redirect_uri=http%3A%2F%2Flocalhost%3A3000%2F';
    const bff = fakeBff({ 'GET /bff/session': signedIn, 'POST /bff/logout': () => jsonResponse({ endSessionUrl }) });
    const navigate = vi.fn();
    const client = createBffClient({ fetch: bff.fetch, navigate });
    await client.refresh();

    await client.logout();

    const logoutCall = bff.calls[1];
    expect(logoutCall).toMatchObject({ method: 'POST', url: '/bff/logout', credentials: 'same-origin' });
    expect(logoutCall?.headers.get('X-CSRF')).toBe('1');
    expect(navigate).toHaveBeenCalledExactlyOnceWith(endSessionUrl);
    expect(client.getSnapshot().status).toBe('unauthenticated');
  });

  it('stays on the page, unauthenticated, when there is no endSessionUrl', async () => {
    const navigate = vi.fn();
    const bff = fakeBff({ 'GET /bff/session': signedIn, 'POST /bff/logout': () => jsonResponse({ endSessionUrl: null }) });
    const client = createBffClient({ fetch: bff.fetch, navigate });
    await client.refresh();
    await client.logout();
    expect(navigate).not.toHaveBeenCalled();
    expect(client.getSnapshot().status).toBe('unauthenticated');
  });

  it('never follows a non-http endSessionUrl', async () => {
    const navigate = vi.fn();
    const bff = fakeBff({ 'POST /bff/logout': () => jsonResponse({ endSessionUrl: 'javascript:alert(1)' }) });
    await createBffClient({ fetch: bff.fetch, navigate }).logout();
    expect(navigate).not.toHaveBeenCalled();
  });

  it('counts an already-ended session as logged out', async () => {
    const bff = fakeBff({ 'POST /bff/logout': () => problemResponse(401, 'login_required', 'Login required') });
    const client = createBffClient({ fetch: bff.fetch, navigate: vi.fn() });
    await expect(client.logout()).resolves.toBeUndefined();
    expect(client.getSnapshot().status).toBe('unauthenticated');
  });

  it('rejects, keeping the session, when the BFF refuses for another reason', async () => {
    const bff = fakeBff({
      'GET /bff/session': signedIn,
      'POST /bff/logout': () => problemResponse(403, 'csrf_failed', 'CSRF check failed'),
    });
    const client = createBffClient({ fetch: bff.fetch, navigate: vi.fn() });
    await client.refresh();
    await expect(client.logout()).rejects.toMatchObject({ code: 'csrf_failed' });
    expect(client.getSnapshot().status).toBe('authenticated');
  });
});

describe('logout({ returnTo })', () => {
  it('sends returnTo to the BFF, and follows the end-session URL', async () => {
    const navigate = vi.fn();
    const bff = fakeBff({ 'POST /bff/logout': () => jsonResponse({ endSessionUrl: END_SESSION_URL }) });
    await createBffClient({ fetch: bff.fetch, navigate }).logout({ returnTo: '/goodbye?from=menu#top' });
    expect(bff.calls.map((call) => `${call.method} ${call.url}`)).toEqual(['POST /bff/logout?returnTo=%2Fgoodbye%3Ffrom%3Dmenu%23top']);
    expect(navigate).toHaveBeenCalledExactlyOnceWith(END_SESSION_URL);
  });

  it('goes to returnTo itself when the BFF gives no end-session URL', async () => {
    const navigate = vi.fn();
    const bff = fakeBff({ 'POST /auth/logout': () => jsonResponse({ endSessionUrl: null }) });
    const client = createBffClient({ fetch: bff.fetch, navigate, basePath: '/auth' });
    await client.logout({ returnTo: '/goodbye' });
    expect(bff.calls[0]?.url).toBe('/auth/logout?returnTo=%2Fgoodbye');
    expect(navigate).toHaveBeenCalledExactlyOnceWith('/goodbye');
    expect(client.getSnapshot().status).toBe('unauthenticated');
  });

  it('sends no returnTo by default (the BFF then uses "/")', async () => {
    const bff = fakeBff({ 'POST /bff/logout': () => jsonResponse({ endSessionUrl: null }) });
    await createBffClient({ fetch: bff.fetch, navigate: vi.fn() }).logout({});
    expect(bff.calls[0]?.url).toBe('/bff/logout');
  });

  it.each(['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)'])(
    'refuses a returnTo that is not a same-origin path (%s), before any request',
    async (returnTo) => {
      const bff = fakeBff({ 'POST /bff/logout': () => jsonResponse({ endSessionUrl: null }) });
      const navigate = vi.fn();
      const client = createBffClient({ fetch: bff.fetch, navigate });
      await expect(client.logout({ returnTo })).rejects.toThrow(TypeError);
      expect(bff.calls).toHaveLength(0);
      expect(navigate).not.toHaveBeenCalled();
      expect(client.isLoggingOut()).toBe(false);
    },
  );
});

describe('while a logout is under way', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A signed-in, subscribed client whose POST /logout waits for `answerLogout()`. */
  async function loggingOut(endSessionUrl: string | null, options: { now?: number; expiresAt?: number } = {}) {
    const logoutAnswer = deferred<Response>();
    let user: typeof alice | null = alice;
    const bff = fakeBff({
      'GET /bff/session': () => (user ? jsonResponse({ authenticated: true, user, expiresAt: options.expiresAt ?? null }) : signedOut()),
      'POST /bff/logout': () => {
        user = null;
        return logoutAnswer.promise;
      },
    });
    const navigate = vi.fn();
    // `focusThrottleMs: 0`: every focus would refetch, were it allowed to.
    const client = createBffClient({ fetch: bff.fetch, navigate, focusThrottleMs: 0 });
    const unsubscribe = client.subscribe(() => {});
    await client.refresh();
    expect(client.isLoggingOut()).toBe(false);
    const done = client.logout();
    const sessionCalls = () => bff.calls.filter((call) => call.url === '/bff/session').length;
    return {
      client,
      navigate,
      sessionCalls,
      signInAgain: () => (user = alice),
      answerLogout: async () => {
        logoutAnswer.resolve(jsonResponse({ endSessionUrl }));
        await done;
      },
      [Symbol.dispose]: unsubscribe,
    };
  }

  const focus = () => window.dispatchEvent(new Event('focus'));
  /** What another tab of the app posts on its sign-in or sign-out. */
  const otherTabSays = (event: string) => {
    const otherTab = new BroadcastChannel('cloakroom:/bff');
    otherTab.postMessage(event);
    otherTab.close();
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('neither refetches nor moves the state on focus or another tab’s news, before or after the trip to the IdP starts', async () => {
    using tab = await loggingOut(END_SESSION_URL);
    expect(tab.client.isLoggingOut()).toBe(true);

    focus();
    otherTabSays('signedIn');
    await settle();
    expect(tab.sessionCalls()).toBe(1);
    expect(tab.client.getSnapshot().status).toBe('authenticated');

    await tab.answerLogout();
    expect(tab.client.getSnapshot().status).toBe('unauthenticated');
    expect(tab.navigate).toHaveBeenCalledExactlyOnceWith(END_SESSION_URL);

    // The page has not unloaded yet: someone signs in elsewhere meanwhile.
    tab.signInAgain();
    focus();
    otherTabSays('signedIn');
    await settle();
    expect(tab.sessionCalls()).toBe(1);
    expect(tab.client.getSnapshot().status).toBe('unauthenticated');
    expect(tab.client.isLoggingOut()).toBe(true);
    expect(tab.navigate).toHaveBeenCalledTimes(1);
  });

  it('does not re-check at expiresAt', async () => {
    const now = Date.UTC(2025, 10, 25, 12);
    vi.useFakeTimers({ now, toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    using tab = await loggingOut(END_SESSION_URL, { expiresAt: now / 1000 + 60 });
    await vi.advanceTimersByTimeAsync(120_000);
    expect(tab.sessionCalls()).toBe(1);
    expect(tab.client.getSnapshot().status).toBe('authenticated');
  });

  it('ignores a /session answer that was already on its way', async () => {
    const sessionAnswer = deferred<Response>();
    let calls = 0;
    const logoutAnswer = deferred<Response>();
    const bff = fakeBff({
      'GET /bff/session': () => (++calls === 1 ? signedIn() : sessionAnswer.promise),
      'POST /bff/logout': () => logoutAnswer.promise,
    });
    const client = createBffClient({ fetch: bff.fetch, navigate: vi.fn(), crossTab: false });
    await client.refresh();
    const stale = client.refresh();
    const done = client.logout();
    sessionAnswer.resolve(signedOut());
    await stale;
    expect(client.getSnapshot().status).toBe('authenticated');
    logoutAnswer.resolve(jsonResponse({ endSessionUrl: END_SESSION_URL }));
    await done;
    expect(client.getSnapshot().status).toBe('unauthenticated');
  });

  it('on a page that stays (no end-session URL, no returnTo), watches again but stays logging out', async () => {
    using tab = await loggingOut(null);
    await tab.answerLogout();
    expect(tab.navigate).not.toHaveBeenCalled();
    expect(tab.client.isLoggingOut()).toBe(true);

    tab.signInAgain();
    focus();
    await vi.waitFor(() => expect(tab.client.getSnapshot().status).toBe('authenticated'));
    expect(tab.sessionCalls()).toBe(2);
  });

  it('ends when the logout fails: the session is kept and the client watches again', async () => {
    const bff = fakeBff({
      'GET /bff/session': signedIn,
      'POST /bff/logout': () => problemResponse(503, 'session_store_unavailable', 'Session store unavailable'),
    });
    const navigate = vi.fn();
    const client = createBffClient({ fetch: bff.fetch, navigate, focusThrottleMs: 0, crossTab: false });
    const unsubscribe = client.subscribe(() => {});
    await client.refresh();
    await expect(client.logout()).rejects.toMatchObject({ code: 'session_store_unavailable' });
    expect(client.isLoggingOut()).toBe(false);
    focus();
    expect(bff.calls.filter((call) => call.url === '/bff/session')).toHaveLength(2);
    expect(navigate).not.toHaveBeenCalled();
    unsubscribe();
  });

  it('lets an explicit login() through at any time', async () => {
    using tab = await loggingOut(END_SESSION_URL);
    await tab.answerLogout();
    tab.client.login({ returnTo: '/' });
    expect(tab.navigate).toHaveBeenLastCalledWith('/bff/login?returnTo=%2F');
  });
});
