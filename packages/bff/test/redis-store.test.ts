import { createClient } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../src/config.js';
import { SessionLockTimeoutError, SessionStoreUnavailableError, type Session } from '../src/sessions/session-store.js';
import { RedisSessionStore, type RedisSessionStoreOptions } from '../src/sessions/stores/redis.js';
import { startRedis, type RedisServer } from '@cloakroom/test-harness/redis';

const SECRET_A = 'secret-A-0123456789-0123456789-0123456789';
const SECRET_B = 'secret-B-0123456789-0123456789-0123456789';

let redis: RedisServer;
let client: Client;
const clients: Client[] = [];
/** Connection errors the clients reported; a listener is required, or they would end the process. */
const clientErrors: Error[] = [];

/** A client with the options the store's documentation recommends (reconnecting faster, for the test). */
function createRecommendedClient(url: string) {
  return createClient({
    url,
    disableOfflineQueue: true,
    commandOptions: { timeout: 1_000 },
    socket: { connectTimeout: 1_000, reconnectStrategy: () => 50 },
  });
}

type Client = ReturnType<typeof createRecommendedClient>;

async function connectClient(url: string): Promise<Client> {
  const created = createRecommendedClient(url);
  created.on('error', (error: Error) => clientErrors.push(error));
  await created.connect();
  clients.push(created);
  return created;
}

function store(options: Partial<RedisSessionStoreOptions> = {}): RedisSessionStore {
  return new RedisSessionStore({ client, secret: SECRET_A, ...options });
}

/** A session of realistic shape, whose secrets are unique to this call (so a dump can look for them). */
function session(id: string, fields: Partial<Session> = {}): Session {
  const unique = crypto.randomUUID();
  const now = Math.floor(Date.now() / 1000);
  return {
    id,
    sub: 'user-alice',
    sid: 'idp-session-1',
    claims: { email: `alice-${unique}@example.com`, name: `Alice ${unique}` },
    idToken: `eyJhbGciOiJSUzI1NiJ9.id-token-${unique}.signature`,
    refreshToken: `refresh-token-${unique}`,
    accessTokens: {
      '': { value: `access-token-${unique}`, expiresAt: now + 300, lifetime: 300, scope: 'openid profile' },
      'https://api.example.com': { value: `api-token-${unique}`, expiresAt: now + 300, lifetime: 300 },
    },
    createdAt: now,
    expiresAt: now + 3_600,
    lastActiveAt: now,
    ...fields,
  };
}

/** The id of the secret that sealed a stored session: `{index line}\n{secret id}.{base64url}`. */
async function sealPasswordId(key: string): Promise<string | undefined> {
  const stored = await client.get(key);
  return typeof stored === 'string' ? stored.split('\n')[1]?.split('.')[0] : undefined;
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  redis = await startRedis();
  client = await connectClient(redis.url);
});

afterAll(async () => {
  for (const each of clients) each.destroy();
  await redis?.stop();
});

beforeEach(async () => {
  await client.flushAll();
});

describe('RedisSessionStore', () => {
  it('round-trips a session; every get is a fresh copy; unknown ids read as none', async () => {
    const sessions = store();
    const written = session('s1');
    await sessions.set(written, 600);
    const read = await sessions.get('s1');
    expect(read).toEqual(written);
    read!.claims.email = 'tampered';
    expect(await sessions.get('s1')).toEqual(written);
    expect(await sessions.get('unknown')).toBeUndefined();
    await sessions.delete('unknown');
  });

  it('sets the TTL it is given on the session (PTTL), and keeps each index alive for its longest member', async () => {
    const sessions = store();
    await sessions.set(session('s1'), 600);
    expect(await client.pTTL('cloakroom:sess:s1')).toBeGreaterThan(595_000);
    expect(await client.pTTL('cloakroom:sess:s1')).toBeLessThanOrEqual(600_000);
    expect(await client.pTTL('cloakroom:by-sub:user-alice')).toBeGreaterThan(595_000);

    await sessions.set(session('s2'), 1_200);
    await sessions.set(session('s3'), 60);
    expect(await client.pTTL('cloakroom:by-sub:user-alice')).toBeGreaterThan(1_195_000);
    expect(await client.pTTL('cloakroom:by-sid:idp-session-1')).toBeGreaterThan(1_195_000);

    await sessions.set(session('s2'), 30); // a replace may shorten the session itself
    expect(await client.pTTL('cloakroom:sess:s2')).toBeLessThanOrEqual(30_000);
  });

  it('keeps no token, claim or session JSON readable in Redis', async () => {
    const sessions = store();
    const written = [session('s1'), session('s2', { sub: 'user-bob', sid: 'idp-session-2' })];
    for (const each of written) await sessions.set(each, 600);

    const dump: string[] = [];
    for (const key of await client.keys('*')) {
      const type = await client.type(key);
      const value = type === 'string' ? await client.get(key) : type === 'hash' ? await client.hGetAll(key) : type;
      dump.push(`${key} ${JSON.stringify(value)}`);
    }
    const text = dump.join('\n');
    expect(text).toContain('user-bob'); // the dump is real: identifiers are in the clear
    expect(text).toMatch(/^cloakroom:sess:s1 "\[\\"user-alice\\",\\"idp-session-1\\"\]\\n1\.[\w-]+"$/m); // index line, then the seal
    for (const each of written) {
      const secrets = [each.idToken, each.refreshToken!, String(each.claims.email), String(each.claims.name)];
      for (const token of Object.values(each.accessTokens)) secrets.push(token.value);
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toContain(JSON.stringify(each));
    }
    expect(text).not.toContain('accessTokens');
    expect(text).not.toContain('idToken');
  });

  it('reads a tampered, foreign or moved value, or one with changed index fields, as no session', async () => {
    const sessions = store();
    await sessions.set(session('s1'), 600);
    await sessions.set(session('s2'), 600);
    const stored = await client.get('cloakroom:sess:s1');
    expect(typeof stored).toBe('string');
    const [line, seal] = String(stored).split('\n') as [string, string];

    expect(await store({ secret: SECRET_B }).get('s1')).toBeUndefined(); // unknown secret

    expect((await sessions.get('s1'))?.id).toBe('s1'); // opened, so remembered: the checks below must not hit it
    await client.set('cloakroom:sess:s2', String(stored)); // s1's value under s2's key
    expect(await sessions.get('s2')).toBeUndefined();

    // Another user in the clear index line: the seal is bound to it.
    await client.set('cloakroom:sess:s1', `${line.replace('user-alice', 'user-mallory')}\n${seal}`);
    expect(await sessions.get('s1')).toBeUndefined();
    await client.set('cloakroom:sess:s1', `["user-alice"]\n${seal}`); // the sid dropped
    expect(await sessions.get('s1')).toBeUndefined();

    const middle = Math.floor(seal.length / 2);
    const flipped = seal.slice(0, middle) + (seal[middle] === 'A' ? 'B' : 'A') + seal.slice(middle + 1);
    await client.set('cloakroom:sess:s1', `${line}\n${flipped}`);
    expect(await sessions.get('s1')).toBeUndefined();
    await client.set('cloakroom:sess:s1', `${line}\n${seal.slice(0, -4)}`); // truncated
    expect(await sessions.get('s1')).toBeUndefined();
    for (const value of ['not a seal', `${line}\nnot a seal`, `${line}\n1.`, `not json\n${seal}`]) {
      await client.set('cloakroom:sess:s1', value);
      expect(await sessions.get('s1')).toBeUndefined();
    }
    await client.set('cloakroom:sess:s1', String(stored)); // the original still opens
    expect((await sessions.get('s1'))?.id).toBe('s1');
  });

  it('keeps the sub and sid indexes consistent across set, replace, delete and expiry', async () => {
    const sessions = store();
    await sessions.set(session('s1', { sub: 'alice', sid: 'x' }), 600);
    await sessions.set(session('s2', { sub: 'alice', sid: 'y' }), 600);
    expect((await sessions.idsBySub('alice')).sort()).toEqual(['s1', 's2']);
    expect(await sessions.idsBySid('x')).toEqual(['s1']);

    // Replace with another sub and sid: the old index entries are removed, not merely filtered.
    await sessions.set(session('s1', { sub: 'bob', sid: 'z' }), 600);
    expect(await client.hKeys('cloakroom:by-sub:alice')).toEqual(['s2']);
    expect(await client.exists('cloakroom:by-sid:x')).toBe(0);
    expect(await sessions.idsBySub('alice')).toEqual(['s2']);
    expect(await sessions.idsBySid('x')).toEqual([]);
    expect(await sessions.idsBySub('bob')).toEqual(['s1']);
    expect(await sessions.idsBySid('z')).toEqual(['s1']);

    // Replace without a sid: nothing of the old one remains.
    await sessions.set(session('s1', { sub: 'bob', sid: undefined }), 600);
    expect(await sessions.idsBySid('z')).toEqual([]);
    expect(String(await client.get('cloakroom:sess:s1'))).toMatch(/^\["bob"\]\n/);
    expect((await sessions.get('s1'))?.sid).toBeUndefined();

    await sessions.delete('s2');
    expect(await sessions.idsBySub('alice')).toEqual([]);
    expect(await client.exists(['cloakroom:by-sub:alice', 'cloakroom:by-sid:y', 'cloakroom:sess:s2'])).toBe(0);

    // Expiry: Redis drops the session; the lookup leaves it out and prunes it from the index.
    await sessions.set(session('s3', { sub: 'carol', sid: 'w' }), 60);
    await sessions.set(session('s4', { sub: 'carol', sid: 'w' }), 0.05);
    await sleep(150);
    expect(await sessions.get('s4')).toBeUndefined();
    expect(await sessions.idsBySub('carol')).toEqual(['s3']);
    expect(await sessions.idsBySid('w')).toEqual(['s3']);
    expect(await client.hKeys('cloakroom:by-sub:carol')).toEqual(['s3']);
  });

  it('does not list a session under a sub it has left, even if the index still names it', async () => {
    const sessions = store();
    await sessions.set(session('s1', { sub: 'bob' }), 600);
    await client.hSet('cloakroom:by-sub:alice', 's1', ''); // e.g. left behind by a crashed writer
    expect(await sessions.idsBySub('alice')).toEqual([]);
    expect(await client.hKeys('cloakroom:by-sub:alice')).toEqual([]);
    expect(await sessions.idsBySub('bob')).toEqual(['s1']);
  });

  it('keeps stores with different prefixes apart', async () => {
    const a = store({ prefix: 'app-a:' });
    const b = store({ prefix: 'app-b:' });
    await a.set(session('s1'), 600);
    expect(await b.get('s1')).toBeUndefined();
    expect(await b.idsBySub('user-alice')).toEqual([]);
    expect(await b.idsBySid('idp-session-1')).toEqual([]);
    await b.delete('s1');
    expect(await a.get('s1')).toBeDefined();
    expect(await a.idsBySub('user-alice')).toEqual(['s1']);
    for (const key of await client.keys('*')) expect(key.startsWith('app-a:')).toBe(true);
  });

  it('rotates secrets: reads what an older secret sealed, seals new writes with the newest', async () => {
    const before = store({ secret: SECRET_A });
    await before.set(session('s1'), 600);
    expect(await sealPasswordId('cloakroom:sess:s1')).toBe('1');

    const after = store({ secret: [SECRET_A, SECRET_B] });
    const read = await after.get('s1');
    expect(read?.id).toBe('s1');
    await after.set(read!, 600);
    expect(await sealPasswordId('cloakroom:sess:s1')).toBe('2');
    expect(await after.get('s1')).toEqual(read);
    expect(await before.get('s1')).toBeUndefined(); // the old configuration does not know secret 2

    const keyed = store({ secret: { 3: SECRET_A, 7: SECRET_B } });
    await keyed.set(read!, 600);
    expect(await sealPasswordId('cloakroom:sess:s1')).toBe('7');
  });

  it('refuses a client that would queue commands while Redis is down, and weak secrets', () => {
    const queueing = createClient({ url: redis.url });
    expect(() => new RedisSessionStore({ client: queueing, secret: SECRET_A })).toThrow(ConfigError);
    expect(() => store({ secret: 'too short' })).toThrow(ConfigError);
    expect(() => store({ secret: [] })).toThrow(ConfigError);
    expect(() => store({ secret: { latest: SECRET_A } })).toThrow(ConfigError);
    expect(() => store({ lockTtlMs: 0 })).toThrow(ConfigError);
  });

  it('refuses a session it cannot index, or a TTL Redis cannot apply', async () => {
    const sessions = store();
    await expect(sessions.set(session('s1', { sub: '' }), 600)).rejects.toThrow(TypeError);
    await expect(sessions.set(session('s1'), 0)).rejects.toThrow(RangeError);
    expect(await client.keys('*')).toEqual([]);
  });
});

describe('RedisSessionStore.withLock', () => {
  /** Tasks that each increment a shared counter non-atomically, tracking how many run at once. */
  function counterTasks(count: number) {
    const state = { counter: 0, active: 0, maxActive: 0 };
    const task = async () => {
      state.active++;
      state.maxActive = Math.max(state.maxActive, state.active);
      const value = state.counter;
      await sleep(2);
      state.counter = value + 1;
      state.active--;
    };
    return { state, tasks: Array.from({ length: count }, () => task) };
  }

  it('lets one holder at a time run, across two connections (and without it, updates are lost)', async () => {
    const other = await connectClient(redis.url);
    const a = store();
    const b = store({ client: other });

    const unlocked = counterTasks(20);
    await Promise.all(unlocked.tasks.map((task) => task()));
    expect(unlocked.state.counter).toBeLessThan(20); // the race is real
    expect(unlocked.state.maxActive).toBeGreaterThan(1);

    const locked = counterTasks(20);
    await Promise.all(locked.tasks.map((task, i) => (i % 2 === 0 ? a : b).withLock('s1', task)));
    expect(locked.state.counter).toBe(20);
    expect(locked.state.maxActive).toBe(1);
    expect(await client.exists('cloakroom:lock:s1')).toBe(0);
  });

  it("passes on the task's result or error, releasing the lock either way", async () => {
    const sessions = store();
    expect(await sessions.withLock('s1', async () => 42)).toBe(42);
    expect(await client.exists('cloakroom:lock:s1')).toBe(0);
    const failure = new Error('refresh failed');
    await expect(
      sessions.withLock('s1', async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await client.exists('cloakroom:lock:s1')).toBe(0);
    expect(await sessions.withLock('s1', async () => 'again')).toBe('again');
  });

  it('gives up waiting after lockWaitMs without running the task', async () => {
    const holder = store();
    const release = deferred();
    const holding = holder.withLock('s1', () => release.promise);
    await vi.waitFor(async () => expect(await client.exists('cloakroom:lock:s1')).toBe(1));

    let ran = false;
    const waiting = store({ lockWaitMs: 200 }).withLock('s1', async () => void (ran = true));
    await expect(waiting).rejects.toBeInstanceOf(SessionLockTimeoutError);
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_SESSION_LOCK_TIMEOUT' });
    expect(ran).toBe(false);

    release.resolve();
    await holding;
  });

  it('frees the lock lockTtlMs after its holder died without releasing it', async () => {
    const doomed = await connectClient(redis.url);
    const release = deferred();
    const holding = store({ client: doomed, lockTtlMs: 300 }).withLock('s1', () => release.promise);
    await vi.waitFor(async () => expect(await client.exists('cloakroom:lock:s1')).toBe(1));
    expect(await client.pTTL('cloakroom:lock:s1')).toBeLessThanOrEqual(300);
    doomed.destroy(); // the holder's connection is gone: it can never release

    expect(await store().withLock('s1', async () => 'taken over')).toBe('taken over');

    release.resolve(); // the dead holder's task ends; its failed release does not turn into an error
    await expect(holding).resolves.toBeUndefined();
  });

  it('does not release a lock that expired and passed to another holder: it is no longer its own', async () => {
    const slow = deferred();
    const first = store({ lockTtlMs: 100 }).withLock('s1', () => slow.promise);
    await vi.waitFor(async () => expect(await client.exists('cloakroom:lock:s1')).toBe(1));

    const inSecond = deferred();
    const leaveSecond = deferred();
    const second = store().withLock('s1', async () => {
      inSecond.resolve();
      await leaveSecond.promise;
    });
    await inSecond.promise; // took the lock once the first one's expired

    slow.resolve();
    await first; // its release finds another token and leaves the lock alone
    expect(await client.exists('cloakroom:lock:s1')).toBe(1);
    leaveSecond.resolve();
    await second;
    expect(await client.exists('cloakroom:lock:s1')).toBe(0);
  });
});

describe('RedisSessionStore while Redis is down', () => {
  it('rejects every call with SessionStoreUnavailableError, and works again once Redis is back', async () => {
    const own = await startRedis(); // its own server: stopping it leaves the other tests alone
    try {
      const ownClient = await connectClient(own.url);
      const sessions = store({ client: ownClient });
      await sessions.set(session('s1'), 600);
      const errorsBefore = clientErrors.length;

      await own.stop();
      const calls: Record<string, () => Promise<unknown>> = {
        get: () => sessions.get('s1'),
        set: () => sessions.set(session('s2'), 600),
        delete: () => sessions.delete('s1'),
        idsBySub: () => sessions.idsBySub('user-alice'),
        idsBySid: () => sessions.idsBySid('idp-session-1'),
        withLock: () => sessions.withLock('s1', async () => 'must not run'),
      };
      for (const [name, call] of Object.entries(calls)) {
        const outcome = await call().then(
          () => 'resolved',
          (error: unknown) => error,
        );
        expect(outcome, name).toBeInstanceOf(SessionStoreUnavailableError);
        expect(outcome, name).toMatchObject({ code: 'ERR_SESSION_STORE_UNAVAILABLE' });
      }
      expect(clientErrors.length).toBeGreaterThan(errorsBefore); // the client reported it, to our listener

      await own.restart();
      // The client reconnects on its own; the session saved by the stop is back.
      await vi.waitFor(async () => expect((await sessions.get('s1'))?.id).toBe('s1'), { timeout: 5_000, interval: 50 });
      await sessions.set(session('s2'), 600);
      expect((await sessions.idsBySub('user-alice')).sort()).toEqual(['s1', 's2']);
      expect(await sessions.withLock('s1', async () => 'runs')).toBe('runs');
    } finally {
      await own.stop();
    }
  });
});
