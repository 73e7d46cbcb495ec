import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBffClient } from '../src/index.js';
import type { BffClientEvent } from '../src/index.js';
import { alice, fakeBff, jsonResponse, signedOut } from '@cloakroom/test-harness/fake-bff';

const NOW = Date.UTC(2025, 10, 25, 12, 0, 0);
const inSeconds = (seconds: number) => NOW / 1000 + seconds;

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A BFF whose /session answers `answers[i]` for the i-th request, then the last one forever. */
function sessionSequence(...answers: (() => Response)[]) {
  const bff = fakeBff({ 'GET /bff/session': () => (answers.length > 1 ? answers.shift() : answers[0])!() });
  return { ...bff, sessionCalls: () => bff.calls.length };
}

const sessionUntil = (expiresAt: number) => () => jsonResponse({ authenticated: true, user: alice, expiresAt });

describe('re-check at expiresAt', () => {
  it('asks the BFF again just after expiresAt, and a session found over is sessionExpired', async () => {
    const bff = sessionSequence(sessionUntil(inSeconds(60)), signedOut);
    const client = createBffClient({ fetch: bff.fetch, crossTab: false, refetchOnFocus: false });
    const events: BffClientEvent[] = [];
    client.on('sessionExpired', () => events.push('sessionExpired'));
    client.on('signedOut', () => events.push('signedOut'));
    client.subscribe(() => {});
    await client.refresh();

    await vi.advanceTimersByTimeAsync(60_000);
    expect(bff.sessionCalls()).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(bff.sessionCalls()).toBe(2);
    expect(client.getSnapshot().status).toBe('unauthenticated');
    expect(events).toEqual(['sessionExpired']);
  });

  it('follows a session that the BFF extended', async () => {
    const bff = sessionSequence(sessionUntil(inSeconds(60)), sessionUntil(inSeconds(120)), signedOut);
    const client = createBffClient({ fetch: bff.fetch, crossTab: false, refetchOnFocus: false });
    client.subscribe(() => {});
    await client.refresh();

    await vi.advanceTimersByTimeAsync(61_000);
    expect(client.getSnapshot().expiresAt).toBe(inSeconds(120));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(bff.sessionCalls()).toBe(3);
    expect(client.getSnapshot().status).toBe('unauthenticated');
  });

  it('does not loop when the BFF still gives the same (now past) expiresAt', async () => {
    const bff = sessionSequence(sessionUntil(inSeconds(60)));
    const client = createBffClient({ fetch: bff.fetch, crossTab: false, refetchOnFocus: false });
    client.subscribe(() => {});
    await client.refresh();

    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(bff.sessionCalls()).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sets no timer for an expiresAt already past, nor for one too far for setTimeout', async () => {
    const bff = sessionSequence(sessionUntil(inSeconds(-5)), sessionUntil(inSeconds(30 * 24 * 3600)));
    const client = createBffClient({ fetch: bff.fetch, crossTab: false, refetchOnFocus: false });
    client.subscribe(() => {});
    await client.refresh();
    expect(vi.getTimerCount()).toBe(0);
    await client.refresh();
    expect(client.getSnapshot().expiresAt).toBe(inSeconds(30 * 24 * 3600));
    expect(vi.getTimerCount()).toBe(0);
  });

  it('watches only while the client has subscribers', async () => {
    const bff = sessionSequence(sessionUntil(inSeconds(60)), signedOut);
    const client = createBffClient({ fetch: bff.fetch, crossTab: false, refetchOnFocus: false });
    await client.refresh();
    expect(vi.getTimerCount()).toBe(0);

    const unsubscribe = client.subscribe(() => {});
    expect(vi.getTimerCount()).toBe(1);
    unsubscribe();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(bff.sessionCalls()).toBe(1);

    // Subscribed again after the expiry time: that expiresAt is past, so nothing is scheduled.
    client.subscribe(() => {});
    expect(vi.getTimerCount()).toBe(0);
  });

  it('drops the timer when the session ends', async () => {
    const bff = fakeBff({
      'GET /bff/session': sessionUntil(inSeconds(60)),
      'POST /bff/logout': () => jsonResponse({ endSessionUrl: null }),
    });
    const client = createBffClient({ fetch: bff.fetch, crossTab: false, refetchOnFocus: false, navigate: vi.fn() });
    client.subscribe(() => {});
    await client.refresh();
    expect(vi.getTimerCount()).toBe(1);
    await client.logout();
    expect(vi.getTimerCount()).toBe(0);
  });
});
