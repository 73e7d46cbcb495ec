import { describe, expect, it, vi } from 'vitest';
import { BffError, createBffClient } from '../src/index.js';
import { alice, deferred, fakeBff, jsonResponse, problemResponse, signedIn, signedOut } from '@cloakroom/test-harness/fake-bff';

describe('session state', () => {
  it('starts loading and makes no request until refresh()', () => {
    const bff = fakeBff({});
    const client = createBffClient({ fetch: bff.fetch });
    expect(client.getSnapshot()).toEqual({
      status: 'loading',
      user: null,
      expiresAt: null,
      error: null,
      loginError: null,
      acr: null,
      authTime: null,
    });
    expect(bff.calls).toHaveLength(0);
  });

  it('goes loading → authenticated with the user and expiresAt', async () => {
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedIn }).fetch });
    const state = await client.refresh();
    expect(state).toEqual({
      status: 'authenticated',
      user: alice,
      expiresAt: 1764100000,
      error: null,
      loginError: null,
      acr: null,
      authTime: null,
    });
    expect(client.getSnapshot()).toBe(state);
  });

  it('goes loading → unauthenticated', async () => {
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedOut }).fetch });
    await client.refresh();
    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', user: null, expiresAt: null });
  });

  it('goes to error with the problem code when the BFF fails', async () => {
    const client = createBffClient({
      fetch: fakeBff({ 'GET /bff/session': () => problemResponse(503, 'idp_unavailable', 'IdP unavailable') }).fetch,
    });
    const state = await client.refresh();
    expect(state.status).toBe('error');
    expect(state.error).toBeInstanceOf(BffError);
    expect(state.error).toMatchObject({ status: 503, code: 'idp_unavailable', title: 'IdP unavailable' });
  });

  it('goes to error with network_error when fetch rejects, and refresh() still resolves', async () => {
    const client = createBffClient({ fetch: () => Promise.reject(new TypeError('Failed to fetch')) });
    await expect(client.refresh()).resolves.toMatchObject({ status: 'error', error: { code: 'network_error', status: 0 } });
  });

  it('keeps the last known user when a later refresh fails', async () => {
    let fail = false;
    const client = createBffClient({
      fetch: fakeBff({ 'GET /bff/session': () => (fail ? problemResponse(503, 'idp_unavailable', 'Down') : signedIn()) }).fetch,
    });
    await client.refresh();
    fail = true;
    expect(await client.refresh()).toMatchObject({ status: 'error', user: alice, expiresAt: 1764100000 });
  });

  it('treats an unreadable /session answer as an error', async () => {
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': () => jsonResponse(['nope']) }).fetch });
    expect(await client.refresh()).toMatchObject({ status: 'error', error: { code: 'invalid_response' } });
  });

  it('keeps the same snapshot object, and notifies no one, when a refresh brings nothing new', async () => {
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedIn }).fetch });
    const first = await client.refresh();
    const listener = vi.fn();
    client.subscribe(listener);
    const second = await client.refresh();
    expect(second).toBe(first);
    expect(listener).not.toHaveBeenCalled();
  });

  it('notifies subscribers on change until they unsubscribe', async () => {
    let authenticated = true;
    const client = createBffClient({
      fetch: fakeBff({ 'GET /bff/session': () => (authenticated ? signedIn() : signedOut()) }).fetch,
    });
    const listener = vi.fn();
    const unsubscribe = client.subscribe(listener);
    await client.refresh();
    expect(listener).toHaveBeenCalledTimes(1);
    unsubscribe();
    authenticated = false;
    await client.refresh();
    expect(listener).toHaveBeenCalledTimes(1);
    expect(client.getSnapshot().status).toBe('unauthenticated');
  });
});

describe('every status transition', () => {
  const error503 = () => problemResponse(503, 'idp_unavailable', 'IdP unavailable');
  const transitions: [string, () => Response, () => Response, object][] = [
    ['authenticated → unauthenticated', signedIn, signedOut, { status: 'unauthenticated', user: null }],
    ['unauthenticated → authenticated', signedOut, signedIn, { status: 'authenticated', user: alice }],
    ['unauthenticated → error', signedOut, error503, { status: 'error', user: null, error: { code: 'idp_unavailable' } }],
    ['error → authenticated', error503, signedIn, { status: 'authenticated', user: alice, error: null }],
    ['error → unauthenticated', error503, signedOut, { status: 'unauthenticated', error: null }],
  ];

  it.each(transitions)('%s', async (_name, first, second, expected) => {
    const answers = [first, second];
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': () => answers.shift()!() }).fetch });
    const listener = vi.fn();
    client.subscribe(listener);
    await client.refresh();
    await client.refresh();
    expect(client.getSnapshot()).toMatchObject(expected);
    expect(listener).toHaveBeenCalledTimes(2);
  });
});

describe('refresh deduplication', () => {
  it('shares one /session request between concurrent calls', async () => {
    const answer = deferred<Response>();
    const bff = fakeBff({ 'GET /bff/session': () => answer.promise });
    const client = createBffClient({ fetch: bff.fetch });

    const calls = [client.refresh(), client.refresh(), client.refresh()];
    answer.resolve(signedIn());
    const states = await Promise.all(calls);

    expect(bff.calls).toHaveLength(1);
    expect(new Set(states).size).toBe(1);
    expect(states[0]?.status).toBe('authenticated');
  });

  it('makes a new request once the previous one has settled', async () => {
    const bff = fakeBff({ 'GET /bff/session': signedIn });
    const client = createBffClient({ fetch: bff.fetch });
    await client.refresh();
    await client.refresh();
    expect(bff.calls).toHaveLength(2);
  });

  it('lets no /session answer already in flight undo a logout', async () => {
    const answer = deferred<Response>();
    const bff = fakeBff({
      'GET /bff/session': () => answer.promise,
      'POST /bff/logout': () => jsonResponse({ endSessionUrl: null }),
    });
    const client = createBffClient({ fetch: bff.fetch, navigate: vi.fn() });
    const refreshing = client.refresh();
    await client.logout();
    answer.resolve(signedIn());
    await refreshing;
    expect(client.getSnapshot().status).toBe('unauthenticated');
  });
});
