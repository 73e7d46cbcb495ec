// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createBffClient } from '../src/index.js';
import { fakeBff, jsonResponse, problemResponse, signedIn } from './fakeBff.js';

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
