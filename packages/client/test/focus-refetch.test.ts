// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBffClient } from '../src/index.js';
import type { BffClientOptions } from '../src/index.js';
import { fakeServer } from '@cloakroom/test-harness/fake-bff';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
  setVisibility('visible');
});

function setVisibility(state: DocumentVisibilityState) {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
}

const focus = () => window.dispatchEvent(new Event('focus'));
const showPage = () => {
  setVisibility('visible');
  document.dispatchEvent(new Event('visibilitychange'));
};
const hidePage = () => {
  setVisibility('hidden');
  document.dispatchEvent(new Event('visibilitychange'));
};

/** A subscribed, loaded client; `sessionCalls()` counts its /session requests. */
async function loadedClient(options: BffClientOptions = {}) {
  const bff = fakeServer();
  const client = createBffClient({ fetch: bff.fetch, crossTab: false, ...options });
  const unsubscribe = client.subscribe(() => {});
  await client.refresh();
  return { bff, client, unsubscribe, sessionCalls: () => bff.count('GET /bff/session') };
}

describe('refetch on focus', () => {
  it('refetches when the window regains focus, at most once per 5 s by default', async () => {
    const { bff, client, sessionCalls } = await loadedClient();
    await vi.advanceTimersByTimeAsync(5000);

    focus();
    await vi.advanceTimersByTimeAsync(0);
    expect(sessionCalls()).toBe(2);

    // The same return to the page fires focus and visibilitychange; then more focus 4.9 s later.
    showPage();
    await vi.advanceTimersByTimeAsync(4900);
    focus();
    expect(sessionCalls()).toBe(2);

    bff.server.user = null;
    await vi.advanceTimersByTimeAsync(100);
    focus();
    await vi.advanceTimersByTimeAsync(0);
    expect(sessionCalls()).toBe(3);
    expect(client.getSnapshot().status).toBe('unauthenticated');
  });

  it('counts the throttle from the last /session request, whatever made it', async () => {
    const { client, sessionCalls } = await loadedClient();
    await vi.advanceTimersByTimeAsync(10_000);
    await client.refresh();
    focus();
    expect(sessionCalls()).toBe(2);
  });

  it('refetches when the page becomes visible, not when it is hidden', async () => {
    const { sessionCalls } = await loadedClient();
    await vi.advanceTimersByTimeAsync(5000);
    hidePage();
    expect(sessionCalls()).toBe(1);
    showPage();
    expect(sessionCalls()).toBe(2);
  });

  it('takes another throttle', async () => {
    const { sessionCalls } = await loadedClient({ focusThrottleMs: 60_000 });
    await vi.advanceTimersByTimeAsync(59_000);
    focus();
    expect(sessionCalls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    focus();
    expect(sessionCalls()).toBe(2);
  });

  it('can be turned off', async () => {
    const { sessionCalls } = await loadedClient({ refetchOnFocus: false });
    await vi.advanceTimersByTimeAsync(60_000);
    focus();
    showPage();
    expect(sessionCalls()).toBe(1);
  });

  it('listens only while the client has subscribers', async () => {
    const { client, unsubscribe, sessionCalls } = await loadedClient();
    const second = client.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(5000);
    unsubscribe();
    focus();
    expect(sessionCalls()).toBe(2);

    second();
    await vi.advanceTimersByTimeAsync(5000);
    focus();
    showPage();
    expect(sessionCalls()).toBe(2);
  });
});
