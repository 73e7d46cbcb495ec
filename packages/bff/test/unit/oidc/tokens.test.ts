import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoredAccessToken } from '../../../src/sessions/session-store.js';
import { isUsable } from '../../../src/oidc/tokens.js';

const NOW = 1_800_000_000;
const token = (secondsLeft: number, lifetime: number): StoredAccessToken => ({ value: 'at', expiresAt: NOW + secondsLeft, lifetime });

describe('isUsable', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW * 1000);
  });
  afterEach(() => vi.useRealTimers());

  it('refreshes `margin` seconds before expiry', () => {
    expect(isUsable(token(31, 300), 30)).toBe(true);
    expect(isUsable(token(30, 300), 30)).toBe(false);
    expect(isUsable(token(-1, 300), 30)).toBe(false);
  });

  it('caps the margin at half the lifetime, so short-lived tokens are still used', () => {
    // A 40-second token with a 30-second margin would be refreshed after 10 seconds; the cap says 20.
    expect(isUsable(token(21, 40), 30)).toBe(true);
    expect(isUsable(token(20, 40), 30)).toBe(false);
    expect(isUsable(token(2, 3), 30)).toBe(true);
    expect(isUsable(token(1, 3), 30)).toBe(false);
  });

  it('never hands out the token an API has just rejected, nor a missing one', () => {
    expect(isUsable(token(200, 300), 30, 'at')).toBe(false);
    expect(isUsable(token(200, 300), 30, 'another')).toBe(true);
    expect(isUsable(undefined, 30)).toBe(false);
  });
});
