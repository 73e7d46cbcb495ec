/**
 * Refresh storms (issue 12): 500 concurrent API calls through the BFF on a session whose access
 * token has expired, against the real dev IdP, which counts the refresh-token grants it makes.
 * Target: exactly one grant in every storm, and every call answered 200.
 *
 * Four kinds of storm, interleaved (memory, Redis, memory slow, Redis slow, …):
 * - memory: one BFF with the memory store;
 * - redis: two BFF instances sharing one Redis (their own clients and stores), the calls alternating
 *   between them, as behind a load balancer;
 * - … slow: the IdP's token endpoint answers only after the refresh margin plus a second (a
 *   delaying `fetch` given to createBff), so the storm lasts longer than the margin.
 *
 * Tokens live 10 s (`accessTokenTtl`), so the BFF's effective refresh margin is 5 s (the margin is
 * capped at half a token's lifetime); before each storm the benchmark waits until the session's
 * access token has really expired. Everything runs in this process, like the integration tests.
 *
 *   pnpm --filter @cloakroom/bench-proxy bench:storm
 *   BENCH_QUICK=1 (4 storms), BENCH_STORMS=n, BENCH_STORM_CALLS=n
 */
import { freePort } from '@cloakroom/test-harness/loopback';
import { startRedis, type RedisServer } from '@cloakroom/test-harness/redis';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createBff, MemorySessionStore, type SessionStore } from '@cloakroom/bff';
import { RedisSessionStore } from '@cloakroom/bff/redis';
import { DEFAULT_RESOURCE_SERVERS, bffClient, startIdp, type RunningIdp } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { createClient } from 'redis';
import { fmt, median, table, verdict } from './lib/stats.js';
import { REDIS_HINT, which } from './lib/system.js';

const QUICK = Boolean(process.env.BENCH_QUICK);
const STORMS = Number(process.env.BENCH_STORMS) || (QUICK ? 4 : 20);
const CALLS = Number(process.env.BENCH_STORM_CALLS) || 500;
const ACCESS_TOKEN_TTL = 10;
const MARGIN = ACCESS_TOKEN_TTL / 2; // min(refreshMargin 30 s default, lifetime / 2)
const SLOW_TOKEN_ENDPOINT_MS = (MARGIN + 1) * 1000;
const ORDERS = Object.keys(DEFAULT_RESOURCE_SERVERS)[0]!;
const SECRET = 'bench-client-secret-0123456789-abcdefghijkl';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Kind = 'memory' | 'redis' | 'memory slow' | 'redis slow';
const KINDS: Kind[] = ['memory', 'redis', 'memory slow', 'redis slow'];

interface Instance {
  origin: string;
  close(): Promise<void>;
}

const closers: (() => Promise<void>)[] = [];
let slow = false;
/** createBff's fetch: while `slow`, the token endpoint answers after the margin has passed. */
const delayingFetch: typeof fetch = async (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  if (slow && new URL(url).pathname === '/token') await sleep(SLOW_TOKEN_ENDPOINT_MS);
  return fetch(input, init);
};

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  closers.push(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  return (server.address() as AddressInfo).port;
}

async function startBff(
  port: number,
  publicOrigin: string,
  issuer: string,
  clientId: string,
  upstream: string,
  store: SessionStore,
): Promise<Instance> {
  const bff = createBff({
    baseUrl: publicOrigin,
    issuer,
    clientId,
    clientSecret: SECRET,
    cookieSecret: 'a-bench-cookie-secret-of-at-least-32-chars',
    apis: { orders: { baseUrl: upstream, scopes: ['orders:read', 'orders:write'], resource: ORDERS } },
    session: { store },
    logger: { info() {}, warn() {}, error() {} },
    fetch: delayingFetch,
  });
  const server = serve({ fetch: bff.fetch, port, hostname: '127.0.0.1' }) as Server;
  await new Promise((resolve) => server.once('listening', resolve));
  closers.push(() => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  return { origin: `http://localhost:${port}`, close: async () => undefined };
}

async function main() {
  if (!which('redis-server')) throw new Error(`The refresh-storm benchmark needs Redis. ${REDIS_HINT}`);
  console.log(
    `Refresh storms (issue 12): ${STORMS} storms of ${CALLS} concurrent calls on an expired access token${QUICK ? ' (QUICK mode)' : ''}`,
  );
  console.log(
    `Access tokens live ${ACCESS_TOKEN_TTL} s, effective refresh margin ${MARGIN} s; "slow" storms: the token endpoint answers after ${SLOW_TOKEN_ENDPOINT_MS / 1000} s\n`,
  );

  const upstreamServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  upstreamServer.keepAliveTimeout = 65_000;
  const upstream = `http://127.0.0.1:${await listen(upstreamServer)}`;

  const redis: RedisServer = await startRedis();
  closers.push(() => redis.stop());
  const memoryPort = await freePort();
  const redisPorts = [await freePort(), await freePort()];
  const memoryOrigin = `http://localhost:${memoryPort}`;
  const redisOrigin = `http://localhost:${redisPorts[0]}`; // both instances behind one public origin
  const idp: RunningIdp = await startIdp({
    port: 0,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    clients: [
      bffClient({ origin: memoryOrigin, clientId: 'storm-memory', clientSecret: SECRET }),
      bffClient({ origin: redisOrigin, clientId: 'storm-redis', clientSecret: SECRET }),
    ],
  });
  closers.push(() => idp.close());
  const grantErrors: string[] = [];
  idp.provider.on('grant.error', (_ctx: unknown, error: { error?: string }) => grantErrors.push(error.error ?? 'error'));

  const memoryStore = new MemorySessionStore();
  await startBff(memoryPort, memoryOrigin, idp.issuer, 'storm-memory', upstream, memoryStore);
  const redisStores: RedisSessionStore[] = [];
  for (const port of redisPorts) {
    const client = createClient({ url: redis.url, disableOfflineQueue: true, commandOptions: { timeout: 10_000 } });
    client.on('error', (error: Error) => console.warn('[storm] redis:', error.message));
    await client.connect();
    closers.push(async () => client.destroy());
    const store = new RedisSessionStore({ client, secret: 'a-bench-session-store-secret-of-32+-chars' });
    redisStores.push(store);
    await startBff(port, redisOrigin, idp.issuer, 'storm-redis', upstream, store);
  }

  // One signed-in session per store; each storm runs on it once its access token has expired.
  const sessions = new Map<'memory' | 'redis', { cookie: string; store: SessionStore; targets: string[] }>();
  for (const [name, origin, store, targets] of [
    ['memory', memoryOrigin, memoryStore, [memoryOrigin]],
    ['redis', redisOrigin, redisStores[0]!, redisPorts.map((port) => `http://127.0.0.1:${port}`)],
  ] as const) {
    const browser = new TestBrowser();
    await signIn(browser, `${origin}/bff/login?returnTo=/`, { username: 'alice', password: 'alice-password' });
    const cookie = [...browser.cookies(origin)].map(([key, value]) => `${key}=${value}`).join('; ');
    const first = await fetch(`${origin.replace('localhost', '127.0.0.1')}/bff/api/orders/x`, {
      headers: { cookie, 'x-csrf': '1', host: new URL(origin).host },
    });
    if (first.status !== 200) throw new Error(`${name}: first call answered ${first.status}`);
    sessions.set(name, { cookie, store, targets: targets.map((target) => target.replace('localhost', '127.0.0.1')) });
  }

  const results: { kind: Kind; grants: number; ok: number; statuses: string; seconds: number; errors: number }[] = [];
  for (let storm = 0; storm < STORMS; storm += 1) {
    const kind = KINDS[storm % KINDS.length]!;
    const session = sessions.get(kind.startsWith('memory') ? 'memory' : 'redis')!;
    // Wait until every access token of the session has expired (not merely entered the margin).
    const [id] = await session.store.idsBySub('alice').then((ids) => ids.slice(-1));
    const stored = await session.store.get(id!);
    if (!stored) throw new Error(`${kind}: the session is gone`);
    const expiresAt = Math.max(...Object.values(stored.accessTokens).map((token) => token.expiresAt));
    await sleep(Math.max(0, expiresAt * 1000 - Date.now()) + 200);

    const grants = idp.counts.refreshTokenGrants;
    const errors = grantErrors.length;
    slow = kind.endsWith('slow');
    const started = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: CALLS }, (_, call) =>
        fetch(`${session.targets[call % session.targets.length]}/bff/api/orders/orders`, {
          headers: { cookie: session.cookie, 'x-csrf': '1', accept: 'application/json' },
        }).then(
          async (response) => (await response.arrayBuffer(), response.status),
          () => 0,
        ),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    slow = false;
    const counted = new Map<number, number>();
    for (const status of statuses) counted.set(status, (counted.get(status) ?? 0) + 1);
    const result = {
      kind,
      grants: idp.counts.refreshTokenGrants - grants,
      ok: counted.get(200) ?? 0,
      statuses: [...counted].map(([status, count]) => `${count}×${status || 'network error'}`).join(', '),
      seconds,
      errors: grantErrors.length - errors,
    };
    results.push(result);
    console.log(
      `  storm ${String(storm + 1).padStart(2)} ${kind.padEnd(12)} ${fmt(seconds, 1).padStart(5)} s${seconds > MARGIN ? ' (> margin)' : '           '}  grants ${result.grants}  ${result.statuses}${result.errors ? `  IdP grant errors ${result.errors}` : ''}`,
    );
  }

  console.log(`\n## Refresh storms: ${CALLS} concurrent calls each\n`);
  console.log(
    table(
      [
        'storm kind',
        'storms',
        'grants per storm',
        'storms with exactly one grant',
        'calls answered 200',
        'duration s (median)',
        'longer than the margin',
      ],
      KINDS.map((kind) => {
        const of = results.filter((result) => result.kind === kind);
        return [
          kind,
          String(of.length),
          of.map((result) => result.grants).join(' '),
          `${of.filter((result) => result.grants === 1).length} of ${of.length}`,
          `${of.reduce((sum, result) => sum + result.ok, 0)} of ${of.length * CALLS}`,
          fmt(median(of.map((result) => result.seconds)), 1),
          `${of.filter((result) => result.seconds > MARGIN).length} of ${of.length}`,
        ];
      }),
    ),
  );
  const exact = results.filter((result) => result.grants === 1).length;
  const allOk = results.every((result) => result.ok === CALLS);
  console.log(
    `\nExactly one refresh grant in every storm: ${exact} of ${results.length} — ${verdict(exact === results.length)}${results.length < 20 ? ` (the target is 20 of 20; this run had ${results.length} storms)` : ''}`,
  );
  console.log(`Every call answered 200: ${verdict(allOk)}`);
  if (grantErrors.length) console.log(`IdP grant errors (e.g. a spent refresh token presented again): ${grantErrors.join(', ')}`);
}

try {
  await main();
} finally {
  for (const close of closers.reverse()) await close().catch(() => undefined);
}
