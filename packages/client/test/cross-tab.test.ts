// @vitest-environment happy-dom
// Tabs are clients in one process: Node's BroadcastChannel delivers between instances of the same
// name exactly as browsers do between tabs (asynchronously, never to the sender itself).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBffClient } from '../src/index.js';
import type { BffClient, BffClientOptions } from '../src/index.js';
import { fakeServer } from '@cloakroom/test-harness/fake-bff';

const unsubscribes: (() => void)[] = [];

afterEach(() => {
  for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
  sessionStorage.clear();
  vi.unstubAllGlobals();
});

/** A client as a page would use it: subscribed (which opens the channel) and loaded. */
async function openTab(fetch: BffClientOptions['fetch'], options: BffClientOptions = {}): Promise<BffClient> {
  const client = createBffClient({ fetch, navigate: vi.fn(), refetchOnFocus: false, ...options });
  unsubscribes.push(client.subscribe(() => {}));
  await client.refresh();
  return client;
}

/** Gives a message time to cross (it would take well under a millisecond) and any refetch to land. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

describe('cross-tab sync', () => {
  it('a logout in one tab signs the other out, through one /session refetch there', async () => {
    const bff = fakeServer();
    const tabA = await openTab(bff.fetch);
    const tabB = await openTab(bff.fetch);
    expect(tabB.getSnapshot().status).toBe('authenticated');

    await tabA.logout();
    await vi.waitFor(() => expect(tabB.getSnapshot().status).toBe('unauthenticated'));
    await settle();

    // 2 initial loads, 1 refetch in B; A does not hear its own message, and B's refetch does not echo.
    expect(bff.count('GET /bff/session')).toBe(3);
  });

  it('a session that ends under a bffFetch in one tab reaches the other tab', async () => {
    const bff = fakeServer();
    const tabA = await openTab(bff.fetch);
    const tabB = await openTab(bff.fetch);
    bff.server.user = null;

    await expect(tabA.bffFetch('/api/orders/orders')).rejects.toMatchObject({ code: 'session_expired' });
    await vi.waitFor(() => expect(tabB.getSnapshot().status).toBe('unauthenticated'));
    await settle();
    expect(bff.count('GET /bff/session')).toBe(3);
  });

  it('a sign-in in one tab (the page the callback lands on) signs the other tabs in', async () => {
    const bff = fakeServer(null);
    const tabA = createBffClient({ fetch: bff.fetch, navigate: vi.fn(), refetchOnFocus: false });
    const leaveA = tabA.subscribe(() => {});
    await tabA.refresh();
    const tabB = await openTab(bff.fetch);
    const tabC = await openTab(bff.fetch);

    tabA.login();
    leaveA();
    bff.server.user = { sub: 'alice', name: 'Alice Example', email: 'alice@example.com' };
    // Back from the IdP: the callback's page is a new client in tab A's browsing context.
    await openTab(bff.fetch);

    await vi.waitFor(() => {
      expect(tabB.getSnapshot()).toMatchObject({ status: 'authenticated', user: { sub: 'alice' } });
      expect(tabC.getSnapshot()).toMatchObject({ status: 'authenticated', user: { sub: 'alice' } });
    });
    await settle();
    // 3 loads, the callback page's load, and one refetch each in B and C: no echo from B or C.
    expect(bff.count('GET /bff/session')).toBe(6);
  });

  it('reloading a signed-in tab tells no one', async () => {
    const bff = fakeServer();
    await openTab(bff.fetch);
    await openTab(bff.fetch);
    await settle();
    expect(bff.count('GET /bff/session')).toBe(2);
  });

  it('a tab with no subscriber neither listens nor talks; it does once subscribed again', async () => {
    const bff = fakeServer();
    const tabA = await openTab(bff.fetch);
    const tabB = createBffClient({ fetch: bff.fetch, refetchOnFocus: false });
    await tabB.refresh();
    const unsubscribeB = tabB.subscribe(() => {});
    unsubscribeB();

    await tabA.logout();
    await settle();
    expect(tabB.getSnapshot().status).toBe('authenticated');
    expect(bff.count('GET /bff/session')).toBe(2);

    unsubscribes.push(tabB.subscribe(() => {}));
    bff.server.user = { sub: 'alice', name: 'Alice Example', email: 'alice@example.com' };
    await tabA.refresh();
    // A found itself signed in again after a signed-out state: it tells B, which listens again and refetches.
    await vi.waitFor(() => expect(bff.count('GET /bff/session')).toBe(4));
  });

  it('keeps apps on different base paths apart, and can be turned off', async () => {
    const bff = fakeServer();
    const tabA = await openTab(bff.fetch);
    const otherApp = createBffClient({ fetch: bff.fetch, basePath: '/other', refetchOnFocus: false });
    const optedOut = await openTab(bff.fetch, { crossTab: false });
    unsubscribes.push(otherApp.subscribe(() => {}));

    await tabA.logout();
    await settle();
    expect(optedOut.getSnapshot().status).toBe('authenticated');
    expect(bff.calls.filter((call) => call.url.startsWith('/other'))).toHaveLength(0);
  });

  it('runs where there is no BroadcastChannel', async () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    const bff = fakeServer();
    const tab = await openTab(bff.fetch);
    await tab.logout();
    expect(tab.getSnapshot().status).toBe('unauthenticated');
  });

  it('refetches after a /session request already in flight, whose answer may predate the other tab’s change', async () => {
    const bff = fakeServer();
    const tabA = await openTab(bff.fetch);
    const tabB = await openTab(bff.fetch);
    // A third tab starts a refetch that the server answers before A's logout, but that arrives after it.
    let slow = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowFetch: typeof bff.fetch = async (url, init) => {
      const response = await bff.fetch(url, init);
      if (slow) await gate;
      return response;
    };
    const slowB = await openTab(slowFetch);
    slow = true;
    const stale = slowB.refresh();

    await tabA.logout();
    await settle();
    release();
    await stale;

    await vi.waitFor(() => expect(slowB.getSnapshot().status).toBe('unauthenticated'));
    expect(tabB.getSnapshot().status).toBe('unauthenticated');
  });
});
