// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBffClient } from '../src/index.js';
import { fakeBff, signedIn, signedOut } from '@cloakroom/test-harness/fake-bff';

const here = () => location.pathname + location.search + location.hash;

const replaceState = vi.fn<History['replaceState']>();

beforeEach(() => {
  const original = history.replaceState.bind(history);
  replaceState.mockReset().mockImplementation(original);
  vi.spyOn(history, 'replaceState').mockImplementation(replaceState);
});

afterEach(() => {
  vi.restoreAllMocks();
  history.replaceState(null, '', '/');
});

/** Puts the page on `url` (as the BFF's redirect would), with a router's `history.state`. */
function landOn(url: string) {
  history.replaceState({ key: 'router-key' }, '', url);
  replaceState.mockClear();
}

const client = () => createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedOut }).fetch, crossTab: false });

describe('loginError: ?cloakroom_error=<code> from the BFF', () => {
  it('is read on the first refresh, once, and taken off the URL keeping path, other parameters, hash and history.state', async () => {
    landOn('/orders?tab=open&cloakroom_error=login_failed&q=a%20b+c&flag#top');
    const bff = client();
    const seen: (string | null)[] = [];
    bff.subscribe(() => seen.push(bff.getSnapshot().loginError));
    // Not at creation: nothing touches the URL before the client is used.
    expect(bff.getSnapshot().loginError).toBeNull();
    expect(replaceState).not.toHaveBeenCalled();

    const state = await bff.refresh();

    expect(state).toMatchObject({ status: 'unauthenticated', loginError: 'login_failed' });
    expect(replaceState).toHaveBeenCalledExactlyOnceWith(
      { key: 'router-key' },
      '',
      `${location.origin}/orders?tab=open&q=a%20b+c&flag#top`,
    );
    expect(here()).toBe('/orders?tab=open&q=a%20b+c&flag#top');
    expect(history.state).toEqual({ key: 'router-key' });
    expect(seen[0]).toBe('login_failed');

    await bff.refresh();
    expect(replaceState).toHaveBeenCalledTimes(1);
    expect(bff.getSnapshot().loginError).toBe('login_failed');
  });

  it('leaves no "?" behind when it was the only parameter, and keeps the other parameters in place', async () => {
    landOn('/?cloakroom_error=idp_unavailable');
    await client().refresh();
    expect(here()).toBe('/');

    landOn('/a?x=1&cloakroom_error=invalid_callback&y=2');
    const bff = client();
    await bff.refresh();
    expect(here()).toBe('/a?x=1&y=2');
    expect(bff.getSnapshot().loginError).toBe('invalid_callback');
  });

  it.each([
    ['markup', '%3Cscript%3Ealert(1)%3C%2Fscript%3E'],
    ['raw markup', '<b>hi</b>'],
    ['too long', 'a'.repeat(65)],
    ['upper case', 'LOGIN_FAILED'],
    ['text with spaces', 'Your+account+is+locked'],
    ['empty', ''],
  ])('ignores a value that is not a plain code (%s), and still removes it', async (_name, value) => {
    landOn(`/orders?cloakroom_error=${value}&tab=open`);
    const bff = client();
    await bff.refresh();
    expect(bff.getSnapshot().loginError).toBeNull();
    expect(here()).toBe('/orders?tab=open');
    expect(replaceState).toHaveBeenCalledTimes(1);
  });

  it('takes a code up to 64 characters, and the first of several parameters (removing all)', async () => {
    const longest = 'a_'.repeat(32);
    landOn(`/?cloakroom_error=${longest}&cloakroom_error=login_failed`);
    const bff = client();
    await bff.refresh();
    expect(bff.getSnapshot().loginError).toBe(longest);
    expect(here()).toBe('/');
  });

  it('touches nothing when the parameter is absent', async () => {
    landOn('/orders?tab=open#x');
    const bff = client();
    await bff.refresh();
    expect(replaceState).not.toHaveBeenCalled();
    expect(bff.getSnapshot().loginError).toBeNull();
  });

  it('survives session changes, and clearLoginError() dismisses it (notifying once)', async () => {
    landOn('/?cloakroom_error=login_failed');
    let answer = signedOut;
    const bff = createBffClient({ fetch: fakeBff({ 'GET /bff/session': () => answer() }).fetch, crossTab: false });
    await bff.refresh();
    answer = signedIn;
    expect(await bff.refresh()).toMatchObject({ status: 'authenticated', loginError: 'login_failed' });

    const listener = vi.fn();
    bff.subscribe(listener);
    bff.clearLoginError();
    expect(bff.getSnapshot()).toMatchObject({ status: 'authenticated', loginError: null });
    bff.clearLoginError();
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
