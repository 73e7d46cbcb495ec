/**
 * Bytes per session at 100,000 sessions (issue 12), with the token sizes a sign-in at the dev IdP
 * gives (ID token 892, access token 735, refresh token 43 characters): the memory store's heap and
 * Redis' `used_memory`. Targets: ≤ 2 KB (2,048 B) per session in memory, ≤ 3 KB (3,072 B) in Redis.
 *
 * The session's shape (claims, fields, access-token entries) is taken from a real sign-in through
 * the BFF at the dev IdP; each of the 100,000 sessions gets its own id, `sub` (a UUID), `sid` and
 * random tokens of exactly those lengths. (bench/session-store measures the memory store's bound
 * and lookups; this one the cost per session of both stores at one size.)
 *
 *   pnpm --filter @cloakroom/bench-proxy bench:sessions     (needs node --expose-gc: the script has it)
 *   BENCH_SESSIONS=n to change the count (BENCH_QUICK=1: 20,000)
 */
import { freePort } from '@cloakroom/test-harness/loopback';
import { startRedis, type RedisServer } from '@cloakroom/test-harness/redis';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createBff, MemorySessionStore, type Session } from '@cloakroom/bff';
import { RedisSessionStore } from '@cloakroom/bff/redis';
import { bffClient, startIdp } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { createClient } from 'redis';
import { fmt, table, verdict } from './lib/stats.js';
import { REDIS_HINT, which } from './lib/system.js';

const QUICK = Boolean(process.env.BENCH_QUICK);
const COUNT = Number(process.env.BENCH_SESSIONS) || (QUICK ? 20_000 : 100_000);
const ID_TOKEN = 892;
const ACCESS_TOKEN = 735;
const REFRESH_TOKEN = 43;
const TTL_SECONDS = 8 * 3600;
const MEMORY_TARGET = 2048;
const REDIS_TARGET = 3072;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('Run with node --expose-gc (the bench:sessions script does).');
const collect = gc;

const text = (length: number) =>
  randomBytes(Math.ceil((length * 3) / 4) + 3)
    .toString('base64url')
    .slice(0, length);
/** A JWT-shaped string of exactly `length` characters. */
const jwt = (length: number) => `eyJ${text(33)}.${text(length - 36 - 344 - 2)}.${text(342)}`;

/** A real session from a sign-in through the BFF at the dev IdP. */
async function realSession(): Promise<Session> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const idp = await startIdp({ port: 0, clients: [bffClient({ origin })] });
  const store = new MemorySessionStore();
  const bff = createBff({
    baseUrl: origin,
    issuer: idp.issuer,
    clientId: 'cloakroom-bff',
    clientSecret: 'cloakroom-bff-dev-secret-change-me-0123456789',
    cookieSecret: 'a-bench-cookie-secret-of-at-least-32-chars',
    apis: {
      orders: { baseUrl: 'http://127.0.0.1:9', scopes: ['orders:read', 'orders:write'], resource: 'https://api.cloakroom.test/orders' },
    },
    session: { store },
    logger: { info() {}, warn() {}, error() {} },
  });
  const server = serve({ fetch: bff.fetch, port, hostname: '127.0.0.1' }) as Server;
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await signIn(new TestBrowser(), `${origin}/bff/login?returnTo=/`, { username: 'alice', password: 'alice-password' });
    const [id] = await store.idsBySub('alice');
    const session = id ? await store.get(id) : undefined;
    if (!session) throw new Error('no session after sign-in');
    return session;
  } finally {
    await new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections()));
    await idp.close();
  }
}

function synthetic(template: Session): Session {
  const now = Math.floor(Date.now() / 1000);
  const accessTokens = Object.fromEntries(
    Object.entries(template.accessTokens).map(([resource, token]) => [
      resource,
      { ...token, value: jwt(ACCESS_TOKEN), expiresAt: now + token.lifetime },
    ]),
  );
  return {
    ...template,
    id: text(template.id.length),
    // As the BFF gets them: from the ID token's JSON (flat strings, not slices of a longer one).
    ...(JSON.parse(JSON.stringify({ sub: randomUUID(), sid: text(21) })) as { sub: string; sid: string }),
    // Like the BFF: the raw ID token only where the real session keeps one (logoutIdTokenHint).
    ...(template.idToken === undefined ? {} : { idToken: jwt(ID_TOKEN) }),
    refreshToken: text(REFRESH_TOKEN),
    accessTokens,
    createdAt: now,
    lastActiveAt: now,
    expiresAt: now + TTL_SECONDS,
  };
}

function heap(): number {
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}

async function main() {
  if (!which('redis-server')) throw new Error(`The session benchmark measures Redis too. ${REDIS_HINT}`);
  const template = await realSession();
  const real = {
    id: template.idToken?.length ?? 0,
    access: Object.values(template.accessTokens).map((token) => token.value.length),
    refresh: template.refreshToken?.length,
  };
  const sample = synthetic(template);
  const json = Buffer.byteLength(JSON.stringify(sample));
  console.log(
    `Sessions (issue 12): ${fmt(COUNT)} sessions${QUICK ? ' (QUICK mode; the target is at 100,000)' : ''}, Node ${process.version}`,
  );
  console.log(
    `  real sign-in at the dev IdP: ID token ${real.id ? `${real.id} characters, kept` : 'not kept (logoutIdTokenHint off)'}, access token(s) ${real.access.join(', ')} (for ${Object.keys(
      template.accessTokens,
    )
      .map((key) => key || "''")
      .join(', ')}), refresh token ${real.refresh} characters`,
  );
  console.log(
    `  synthetic sessions: ID token ${real.id ? ID_TOKEN : 'none'}, access token ${ACCESS_TOKEN}, refresh token ${REFRESH_TOKEN} characters; JSON ${fmt(json)} B per session\n`,
  );

  // Memory store: heap growth per session.
  const memoryStore = new MemorySessionStore({ maxSessions: COUNT });
  const before = heap();
  // Made one at a time: what the store keeps is all that survives the collection after.
  for (let i = 0; i < COUNT; i += 1) await memoryStore.set(synthetic(template), TTL_SECONDS);
  const memoryPerSession = (heap() - before) / COUNT;
  if (memoryStore.size !== COUNT) throw new Error(`memory store holds ${memoryStore.size} sessions, expected ${COUNT}`);

  // Redis store: used_memory growth per session.
  const redis = await startRedis();
  const client = createClient({ url: redis.url, disableOfflineQueue: true });
  client.on('error', (error: Error) => console.warn('[sessions] redis:', error.message));
  let redisPerSession: number;
  const details: string[][] = [];
  try {
    await client.connect();
    const store = new RedisSessionStore({ client, secret: 'a-bench-session-store-secret-of-32+-chars' });
    const redisBefore = await usedMemory(redis);
    let next = 0;
    let last: Session | undefined;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < COUNT) {
          next += 1;
          last = synthetic(template);
          await store.set(last, TTL_SECONDS);
        }
      }),
    );
    redisPerSession = ((await usedMemory(redis)) - redisBefore) / COUNT;
    const keys = Number(await client.sendCommand(['DBSIZE']));
    const stored = String(await client.get(`cloakroom:sess:${last!.id}`));
    const usage = async (key: string) => Number(await client.sendCommand(['MEMORY', 'USAGE', key]));
    details.push(
      ['keys in Redis', fmt(keys)],
      ['stored value (index line and seal, characters)', fmt(stored.length)],
      ['MEMORY USAGE of one session key', `${fmt(await usage(`cloakroom:sess:${last!.id}`))} B`],
      [
        'MEMORY USAGE of its sub and sid indexes',
        `${fmt((await usage(`cloakroom:by-sub:${last!.sub}`)) + (await usage(`cloakroom:by-sid:${last!.sid}`)))} B`,
      ],
    );
  } finally {
    client.destroy();
    await redis.stop();
  }

  console.log(
    table(
      ['store', 'bytes per session', 'target', ''],
      [
        ['memory store (heap growth)', fmt(memoryPerSession), `≤ ${fmt(MEMORY_TARGET)}`, verdict(memoryPerSession <= MEMORY_TARGET)],
        ['Redis store (used_memory growth)', fmt(redisPerSession), `≤ ${fmt(REDIS_TARGET)}`, verdict(redisPerSession <= REDIS_TARGET)],
      ],
    ),
  );
  console.log('');
  console.log(table(['Redis detail', ''], details));
}

await main();

/** `used_memory` from Redis' `INFO memory`. */
async function usedMemory(redis: RedisServer): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.command(['INFO', 'memory']))?.[1]);
}
