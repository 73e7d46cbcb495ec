import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/config.js';
import type { Session } from '../../../../src/sessions/session-store.js';
import { MemorySessionStore } from '../../../../src/sessions/stores/memory.js';

function session(id: string, fields: Partial<Session> = {}): Session {
  return {
    id,
    sub: 'alice',
    claims: { email: 'alice@example.com' },
    idToken: `id-token-${id}`,
    refreshToken: `refresh-token-${id}`,
    accessTokens: { '': { value: `access-token-${id}`, expiresAt: 2_000, lifetime: 300 } },
    createdAt: 1_000,
    expiresAt: 10_000,
    lastActiveAt: 1_000,
    ...fields,
  };
}

/** Deterministic integers in [0, n), so that a failing random sequence reproduces. */
function seededRandom(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n); // the high bits: an LCG's low bits barely vary
  };
}

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** Which of `ids` the store still holds; reading refreshes their recency, so check order first. */
async function held(store: MemorySessionStore, ids: string[]): Promise<string[]> {
  const present: string[] = [];
  for (const id of ids) if ((await store.get(id)) !== undefined) present.push(id);
  return present;
}

describe('MemorySessionStore', () => {
  it('round-trips a session and hands out copies: mutating a result or the input changes nothing stored', async () => {
    const store = new MemorySessionStore();
    const input = session('s1', { sid: 'idp-1' });
    await store.set(input, 60);
    input.claims.email = 'mallory@example.com';

    const first = await store.get('s1');
    expect(first).toEqual(session('s1', { sid: 'idp-1' }));
    first!.accessTokens['']!.value = 'tampered';
    first!.claims.email = 'tampered';
    expect(await store.get('s1')).toEqual(session('s1', { sid: 'idp-1' }));
    expect(await store.get('s1')).not.toBe(await store.get('s1'));
  });

  it('evicts the least recently used session, counting reads and replaces as use', async () => {
    const store = new MemorySessionStore({ maxSessions: 3 });
    for (const id of ['a', 'b', 'c']) await store.set(session(id), 60);
    await store.get('a'); // order now b, c, a
    await store.set(session('d'), 60); // evicts b
    expect(store.size).toBe(3);
    expect(await store.get('b')).toBeUndefined(); // reading a missing id changes no order: c, a, d
    await store.set(session('c', { claims: { v: 2 } }), 60); // a replace is a use: a, d, c
    await store.set(session('e'), 60); // evicts a
    expect(await held(store, ['a', 'b', 'c', 'd', 'e'])).toEqual(['c', 'd', 'e']);
  });

  it('never holds more than maxSessions, and its indexes follow evictions (100 000 sessions, max 1 000)', async () => {
    const store = new MemorySessionStore({ maxSessions: 1_000 });
    for (let i = 0; i < 100_000; i++) {
      await store.set(session(`s${i}`, { sub: `user-${i % 50}`, sid: `idp-${i}` }), 3_600);
      if (store.size > 1_000) throw new Error(`size ${store.size} after ${i + 1} sessions`);
    }
    expect(store.size).toBe(1_000);

    const indexed = new Set<string>();
    for (let u = 0; u < 50; u++) for (const id of await store.idsBySub(`user-${u}`)) indexed.add(id);
    const expected = Array.from({ length: 1_000 }, (_, k) => `s${99_000 + k}`);
    expect([...indexed].sort()).toEqual([...expected].sort());
    expect(await store.idsBySid('idp-98999')).toEqual([]);
    expect(await store.idsBySid('idp-99000')).toEqual(['s99000']);
    expect(await store.get('s98999')).toBeUndefined();
  });

  it('matches a reference LRU model over a long random mix of set, get and delete', async () => {
    const max = 20;
    const store = new MemorySessionStore({ maxSessions: max });
    const model: string[] = []; // least recently used first
    const use = (id: string) => {
      const at = model.indexOf(id);
      if (at !== -1) model.splice(at, 1);
      model.push(id);
    };
    const random = seededRandom(42);
    for (let step = 0; step < 5_000; step++) {
      const id = `s${random(40)}`;
      const op = random(10);
      if (op < 5) {
        await store.set(session(id, { sub: `user-${random(5)}` }), 3_600);
        use(id);
        if (model.length > max) model.shift();
      } else if (op < 8) {
        const found = await store.get(id);
        expect(found !== undefined, `step ${step}: get ${id}`).toBe(model.includes(id));
        if (found) use(id);
      } else {
        await store.delete(id);
        const at = model.indexOf(id);
        if (at !== -1) model.splice(at, 1);
      }
      expect(store.size, `step ${step}`).toBe(model.length);
    }
    const indexed: string[] = [];
    for (let u = 0; u < 5; u++) indexed.push(...(await store.idsBySub(`user-${u}`)));
    expect(indexed.sort()).toEqual([...model].sort());
  });

  it('matches a reference model of expiry over a long random mix of set, get, delete and time passing', async () => {
    const clock = manualClock();
    const store = new MemorySessionStore({ now: clock.now });
    const expiries = new Map<string, number>(); // id → expiry (ms) of the sessions set and not deleted
    const isLive = (id: string) => (expiries.get(id) ?? -Infinity) > clock.now();
    const random = seededRandom(7);
    for (let step = 0; step < 10_000; step++) {
      clock.advance(random(500));
      const id = `s${random(30)}`;
      const op = random(10);
      if (op < 4) {
        const ttl = 1 + random(20);
        await store.set(session(id, { claims: { step } }), ttl);
        expiries.set(id, clock.now() + ttl * 1000);
      } else if (op < 8) {
        expect((await store.get(id)) !== undefined, `step ${step}: get ${id}`).toBe(isLive(id));
      } else {
        await store.delete(id);
        expiries.delete(id);
      }
    }
    const live = [...expiries.keys()].filter(isLive).sort();
    expect((await store.idsBySub('alice')).sort()).toEqual(live);
    expect(store.size).toBe(live.length);
  });

  it('does not return an expired session, nor list it under its sub or sid', async () => {
    const clock = manualClock();
    const store = new MemorySessionStore({ now: clock.now });
    await store.set(session('s1', { sid: 'idp-1' }), 10);
    await store.set(session('s2', { sid: 'idp-2' }), 20);

    clock.advance(9_999);
    expect(await store.get('s1')).toBeDefined();
    clock.advance(1);
    expect(await store.get('s1')).toBeUndefined();
    expect(await store.idsBySub('alice')).toEqual(['s2']);
    expect(await store.idsBySid('idp-1')).toEqual([]);
    expect(store.size).toBe(1);

    clock.advance(10_000);
    expect(await store.idsBySid('idp-2')).toEqual([]);
    expect(await store.idsBySub('alice')).toEqual([]);
    expect(store.size).toBe(0);
  });

  it('moves a replaced session to its new sub and sid: the old ones no longer find it', async () => {
    const store = new MemorySessionStore();
    await store.set(session('s1', { sub: 'alice', sid: 'idp-1' }), 60);
    await store.set(session('s1', { sub: 'bob', sid: 'idp-2' }), 60);
    expect(await store.idsBySub('alice')).toEqual([]);
    expect(await store.idsBySid('idp-1')).toEqual([]);
    expect(await store.idsBySub('bob')).toEqual(['s1']);
    expect(await store.idsBySid('idp-2')).toEqual(['s1']);

    await store.set(session('s1', { sub: 'bob', sid: undefined }), 60);
    expect(await store.idsBySid('idp-2')).toEqual([]);
    expect(await store.idsBySub('bob')).toEqual(['s1']);
  });

  it('replaces the TTL on every write, shorter or longer', async () => {
    const clock = manualClock();
    const store = new MemorySessionStore({ now: clock.now });
    await store.set(session('s1'), 100);
    await store.set(session('s1'), 5);
    clock.advance(5_000);
    expect(await store.get('s1')).toBeUndefined();
  });

  it('removes a deleted session from its indexes, and deleting an unknown id succeeds', async () => {
    const store = new MemorySessionStore();
    await store.set(session('s1', { sid: 'idp-1' }), 60);
    await store.set(session('s2', { sid: 'idp-1' }), 60);
    await store.delete('s1');
    await store.delete('never-existed');
    expect(await store.get('s1')).toBeUndefined();
    expect(await store.idsBySub('alice')).toEqual(['s2']);
    expect(await store.idsBySid('idp-1')).toEqual(['s2']);
  });

  it('sweeps expired sessions on later writes, without them being read, and keeps the live ones', async () => {
    const clock = manualClock();
    const store = new MemorySessionStore({ now: clock.now });
    // Live ones first, where a sweep that only ever looked at the oldest entries would stay stuck.
    for (let i = 0; i < 50; i++) await store.set(session(`long-${i}`), 3_600);
    for (let i = 0; i < 100; i++) await store.set(session(`short-${i}`), 1);
    clock.advance(2_000);
    expect(store.size).toBe(150);

    for (let i = 0; i < 100; i++) await store.set(session(`new-${i}`), 3_600);
    expect(store.size).toBe(150); // the 100 expired ones are gone, the 150 live ones stay
    expect(await store.idsBySub('alice')).toHaveLength(150);
    expect(await store.get('long-0')).toBeDefined();
  });

  it('refuses what it cannot store', async () => {
    expect(() => new MemorySessionStore({ maxSessions: 0 })).toThrow(ConfigError);
    expect(() => new MemorySessionStore({ maxSessions: 1.5 })).toThrow(ConfigError);
    const store = new MemorySessionStore();
    await expect(store.set(session('s1'), 0)).rejects.toThrow(RangeError);
    await expect(store.set(session('s1'), Number.NaN)).rejects.toThrow(RangeError);
    await expect(store.set(session('s1', { sub: '' }), 60)).rejects.toThrow(TypeError);
    await expect(store.set(session(''), 60)).rejects.toThrow(TypeError);
    expect(store.size).toBe(0);
  });
});
