import { sealData, unsealData } from 'iron-session';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UnsealCache } from '../../../src/sessions/unseal-cache.js';

const password = { 1: 'a-test-cookie-secret-of-at-least-32-chars' };

afterEach(() => {
  vi.useRealTimers();
});

describe('UnsealCache', () => {
  it('serves what a seal unsealed to, for that very seal only, as a deep copy', async () => {
    const cache = new UnsealCache<{ id: string; tokens: { access: string } }>();
    const value = { id: 'session-1', tokens: { access: 'a' } };
    const seal = await sealData(value, { password, ttl: 600 });
    cache.set(seal, await unsealData<typeof value>(seal, { password, ttl: 600 }));
    const hit = cache.get(seal)!;
    expect(hit).toEqual(value);
    hit.id = 'changed';
    hit.tokens.access = 'changed';
    expect(cache.get(seal)).toEqual(value);
    // One byte changed anywhere is a miss: the caller checks it in full.
    const tampered = seal.slice(0, 40) + (seal[40] === 'a' ? 'b' : 'a') + seal.slice(41);
    expect(cache.get(tampered)).toBeUndefined();
  });

  it('stops serving a seal at the expiry written in it', async () => {
    vi.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    const cache = new UnsealCache<{ id: string }>();
    const seal = await sealData({ id: 'session-1' }, { password, ttl: 60 });
    cache.set(seal, { id: 'session-1' });
    vi.setSystemTime(Date.now() + 59_000);
    expect(cache.get(seal)).toEqual({ id: 'session-1' });
    vi.setSystemTime(Date.now() + 2_000);
    expect(cache.get(seal)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('is bounded, dropping the least recently used seal first', () => {
    const cache = new UnsealCache<{ id: string }>(2);
    const expiry = Date.now() + 60_000;
    const seal = (n: number) => `Fe26.2*1*salt*iv*data${n}*${expiry}*hsalt*hmac~2`;
    cache.set(seal(1), { id: '1' });
    cache.set(seal(2), { id: '2' });
    cache.get(seal(1));
    cache.set(seal(3), { id: '3' });
    expect(cache.size).toBe(2);
    expect(cache.get(seal(2))).toBeUndefined();
    expect(cache.get(seal(1))).toEqual({ id: '1' });
    expect(cache.get(seal(3))).toEqual({ id: '3' });
    cache.set('not-an-iron-seal', { id: 'x' });
    expect(cache.get('not-an-iron-seal')).toBeUndefined();
  });
});
