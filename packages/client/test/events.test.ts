// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBffClient } from '../src/index.js';
import type { BffClient, BffClientEvent } from '../src/index.js';
import { fakeBff, fakeServer, jsonResponse, problemResponse, signedIn, signedOut } from '@cloakroom/test-harness/fake-bff';

afterEach(() => sessionStorage.clear());

/** Records every event of `client`, in order. */
function recordEvents(client: BffClient): BffClientEvent[] {
  const seen: BffClientEvent[] = [];
  for (const event of ['signedIn', 'signedOut', 'sessionExpired'] as const) client.on(event, () => seen.push(event));
  return seen;
}

/** Lets the microtasks in which listeners run go by. */
const listenersRan = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('sessionExpired', () => {
  it('fires once, and the state is unauthenticated, for many concurrent 401s — with no request after them', async () => {
    const bff = fakeServer();
    const client = createBffClient({ fetch: bff.fetch });
    await client.refresh();
    const events = recordEvents(client);
    bff.server.user = null;

    const results = await Promise.allSettled(Array.from({ length: 5 }, () => client.bffFetch('/api/orders/orders')));

    await listenersRan();
    expect(results.map((result) => result.status)).toEqual(Array(5).fill('rejected'));
    expect(events).toEqual(['sessionExpired']);
    expect(client.getSnapshot().status).toBe('unauthenticated');
    // No retry and no /session refetch: nothing that could turn into a loop.
    expect(bff.count('GET /bff/session')).toBe(1);
    expect(bff.count('GET /bff/api/orders/orders')).toBe(5);
  });

  it('fires for login_required too, and again only after a new sign-in', async () => {
    let answer = () => problemResponse(401, 'login_required', 'Login required');
    const client = createBffClient({
      fetch: fakeBff({ 'GET /bff/session': signedIn, 'GET /bff/api/orders/orders': () => answer() }).fetch,
    });
    await client.refresh();
    const events = recordEvents(client);
    await expect(client.bffFetch('/api/orders/orders')).rejects.toMatchObject({ code: 'login_required' });
    await expect(client.bffFetch('/api/orders/orders')).rejects.toMatchObject({ code: 'login_required' });
    answer = () => jsonResponse([]);
    await client.refresh();
    answer = () => problemResponse(401, 'session_expired', 'Session expired');
    await expect(client.bffFetch('/api/orders/orders')).rejects.toMatchObject({ code: 'session_expired' });
    await listenersRan();
    expect(events).toEqual(['sessionExpired', 'signedIn', 'sessionExpired']);
  });

  it('does not fire when no one was signed in', async () => {
    const client = createBffClient({
      fetch: fakeBff({ 'GET /bff/api/orders/orders': () => problemResponse(401, 'login_required', 'Login required') }).fetch,
    });
    const events = recordEvents(client);
    await expect(client.bffFetch('/api/orders/orders')).rejects.toMatchObject({ status: 401 });
    await listenersRan();
    expect(events).toEqual([]);
    expect(client.getSnapshot().status).toBe('unauthenticated');
  });

  it('fires when /session itself answers 401 session_expired for a known user', async () => {
    let expired = false;
    const client = createBffClient({
      fetch: fakeBff({
        'GET /bff/session': () => (expired ? problemResponse(401, 'session_expired', 'Session expired') : signedIn()),
      }).fetch,
    });
    await client.refresh();
    const events = recordEvents(client);
    expired = true;
    expect(await client.refresh()).toMatchObject({ status: 'unauthenticated', error: null });
    await listenersRan();
    expect(events).toEqual(['sessionExpired']);
  });
});

describe('signedOut', () => {
  it('fires on logout', async () => {
    const bff = fakeServer();
    const client = createBffClient({ fetch: bff.fetch, navigate: vi.fn() });
    await client.refresh();
    const events = recordEvents(client);
    await client.logout();
    await listenersRan();
    expect(events).toEqual(['signedOut']);
  });

  it('fires when a refetch finds the session gone, but not for an error that keeps the user', async () => {
    let answer = signedIn;
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': () => answer() }).fetch });
    await client.refresh();
    const events = recordEvents(client);
    answer = () => problemResponse(503, 'idp_unavailable', 'IdP unavailable');
    await client.refresh();
    answer = signedOut;
    await client.refresh();
    await listenersRan();
    expect(events).toEqual(['signedOut']);
  });
});

describe('signedIn', () => {
  it('fires when a signed-out page becomes signed in, and when the user changes', async () => {
    let answer = signedOut;
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': () => answer() }).fetch });
    const events = recordEvents(client);
    await client.refresh();
    answer = signedIn;
    await client.refresh();
    answer = () => jsonResponse({ authenticated: true, user: { sub: 'bob', name: 'Bob' }, expiresAt: 1764100000 });
    await client.refresh();
    await client.refresh();
    await listenersRan();
    expect(events).toEqual(['signedIn', 'signedIn']);
  });

  it('does not fire when a page simply loads signed in', async () => {
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedIn }).fetch });
    const events = recordEvents(client);
    await client.refresh();
    await listenersRan();
    expect(events).toEqual([]);
  });

  it('fires once on the page the login callback lands on (login() left a mark in this tab)', async () => {
    const bff = fakeBff({ 'GET /bff/session': signedIn });
    createBffClient({ fetch: bff.fetch, navigate: vi.fn() }).login();

    // The page after the round trip to the IdP: a new client, in the same tab.
    const landed = createBffClient({ fetch: bff.fetch });
    const events = recordEvents(landed);
    await landed.refresh();
    // A reload of that page later is a plain load again.
    const reloaded = createBffClient({ fetch: bff.fetch });
    const reloadEvents = recordEvents(reloaded);
    await reloaded.refresh();

    await listenersRan();
    expect(events).toEqual(['signedIn']);
    expect(reloadEvents).toEqual([]);
  });
});

describe('on()', () => {
  it('returns a function that stops the listener', async () => {
    const bff = fakeServer();
    const client = createBffClient({ fetch: bff.fetch, navigate: vi.fn() });
    await client.refresh();
    const listener = vi.fn();
    const off = client.on('signedOut', listener);
    off();
    await client.logout();
    await listenersRan();
    expect(listener).not.toHaveBeenCalled();
  });

  it('runs listeners in a microtask, so a throwing one cannot break bffFetch: the caller still gets the BffError', async () => {
    const client = createBffClient({
      fetch: fakeBff({
        'GET /bff/session': signedIn,
        'GET /bff/api/orders/orders': () => problemResponse(401, 'session_expired', 'Session expired'),
      }).fetch,
    });
    await client.refresh();
    const queued: (() => void)[] = [];
    vi.stubGlobal('queueMicrotask', (task: () => void) => queued.push(task));
    client.on('sessionExpired', () => {
      throw new Error('listener bug');
    });

    await expect(client.bffFetch('/api/orders/orders')).rejects.toMatchObject({ code: 'session_expired' });
    vi.unstubAllGlobals();

    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', user: null });
    expect(queued).toHaveLength(1);
    expect(() => queued[0]?.()).toThrow('listener bug');
  });
});
