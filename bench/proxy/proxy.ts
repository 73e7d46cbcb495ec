/**
 * The proxy benchmark of issue 12: what a proxied API call costs through Cloakroom's `/bff/api`
 * against the upstream itself, a bare `hono/proxy`, a Node BFF peer (Express +
 * express-openid-connect + http-proxy-middleware) and Apache httpd + mod_auth_openidc + mod_proxy.
 *
 *   (a) upstream called directly             (e) Cloakroom, stateless cookie sessions
 *   (b) bare hono/proxy, static bearer       (f) Express + express-openid-connect + http-proxy-middleware
 *   (c) Cloakroom /bff/api, memory store     (g) Apache httpd + mod_auth_openidc + mod_proxy (if installed)
 *   (d) Cloakroom, Redis store
 *
 * Every server runs in its own process, pinned to core 1 (`taskset`); autocannon, the upstream behind
 * the proxies, Redis and the dev IdP share core 0. (c)–(g) sign in as alice against the same dev IdP
 * (oidc-provider) and send their session cookie; each proxy attaches a bearer access token (its
 * length is printed). Rounds are interleaved (every target once per round at 32 connections, then
 * at 1, the order reversed every other round), ratios are taken within a round, and the table
 * shows medians and ranges over the rounds. Server CPU is the server's own process tree (utime +
 * stime from /proc) per answered request.
 *
 *   pnpm --filter @cloakroom/bench-proxy bench:proxy
 *   BENCH_QUICK=1              2 rounds of 2 s, fewer SSE samples: a few minutes
 *   BENCH_ROUNDS, BENCH_SECONDS, BENCH_STREAM_ROUNDS, BENCH_SSE_SAMPLES   override
 *   BENCH_TARGETS=abc          a subset
 *   BENCH_MAX_OTHER_LOAD=0.25  take a sample again (twice at most) when other processes used more than this many cores
 *   BENCH_NO_STREAMS=1         skip the 1 MiB and SSE part
 *   BENCH_CPU_PROF=c           run that row ((c)–(f); 1 means c) under `node --cpu-prof` and print its top self-time functions
 *   BENCH_CPU_PROF_DIR=dir     keep the .cpuprofile files there (for a viewer) instead of a deleted temporary directory
 */
import { cpus, freemem, release, totalmem } from 'node:os';
import { request } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { DEFAULT_RESOURCE_SERVERS, OIDC_SCOPES, bffClient, startIdp, type ClientMetadata, type RunningIdp } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { freePort } from '@cloakroom/test-harness/loopback';
import { startRedis, type RedisServer } from '@cloakroom/test-harness/redis';
import { apacheMissing, startApache, type RunningApache } from './lib/apache.js';
import { summariseProfile } from './lib/profile.js';
import { fmt, median, medianRange, percentile, range, table, verdict } from './lib/stats.js';
import {
  loadAverage,
  REDIS_HINT,
  machineTicks,
  onCore,
  pinSelf,
  pinning,
  startNodeChild,
  TICK_US,
  treeCpuMicros,
  treeRssBytes,
  which,
  type Child,
} from './lib/system.js';

const QUICK = Boolean(process.env.BENCH_QUICK);
const ROUNDS = Number(process.env.BENCH_ROUNDS) || (QUICK ? 2 : 5);
const SECONDS = Number(process.env.BENCH_SECONDS) || (QUICK ? 2 : 5);
const WARM_UP_SECONDS = QUICK ? 1 : 3;
const STREAMS = !process.env.BENCH_NO_STREAMS;
const STREAM_ROUNDS = Number(process.env.BENCH_STREAM_ROUNDS) || (QUICK ? 1 : 3);
const SSE_SAMPLES = Number(process.env.BENCH_SSE_SAMPLES) || (QUICK ? 5 : 20);
const WANTED = new Set((process.env.BENCH_TARGETS ?? 'abcdefg').split(''));
/** The row run under `node --cpu-prof`, if any (`BENCH_CPU_PROF=d`; `1` for the original default, (c)). */
const CPU_PROF: Id | undefined = !process.env.BENCH_CPU_PROF
  ? undefined
  : process.env.BENCH_CPU_PROF === '1'
    ? 'c'
    : (process.env.BENCH_CPU_PROF as Id);
/** A sample during which other processes used more than this share of one core is taken again (twice at most). */
const MAX_OTHER_LOAD = Number(process.env.BENCH_MAX_OTHER_LOAD ?? 0.25);
const RETRIES = 2;
const SERVER_CORE = 1;
const LOAD_CORE = 0;
const ALICE = { username: 'alice', password: 'alice-password' };
const CLIENT_SECRET = 'bench-client-secret-0123456789-abcdefghijkl';
const ORDERS = Object.keys(DEFAULT_RESOURCE_SERVERS)[0]!;
/** A static bearer of the length of the dev IdP's orders access token (735 characters). */
const STATIC_BEARER = `eyJ${'x'.repeat(732)}`;
const SERVER_SCRIPT = new URL('./server.ts', import.meta.url).pathname;

type Id = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g';
type Path = 'orders' | 'big' | 'sse';
interface Target {
  id: Id;
  label: string;
  port: number;
  pid: number;
  headers: Record<string, string>;
  path(path: Path): string;
  bearerLength?: number;
  note?: string;
}
interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpu: number;
  helpers: number;
  failed: number;
  /** CPU the rest of the machine used meanwhile, in cores. */
  other: number;
}

const LABELS: Record<Id, string> = {
  a: '(a) upstream called directly',
  b: '(b) bare hono/proxy + static bearer',
  c: '(c) Cloakroom /bff/api, memory store',
  d: '(d) Cloakroom, Redis store',
  e: '(e) Cloakroom, stateless cookie',
  f: '(f) Express + express-openid-connect',
  g: '(g) Apache + mod_auth_openidc',
};

const children: Child[] = [];
let redis: RedisServer | undefined;
let apache: RunningApache | undefined;
let idp: RunningIdp | undefined;
let profileDir: string | undefined;
const notes: string[] = [];

function clientFor(id: Id, origin: string): ClientMetadata {
  if (id === 'c' || id === 'd' || id === 'e') return bffClient({ origin, clientId: `bench-${id}`, clientSecret: CLIENT_SECRET });
  return {
    client_id: `bench-${id}`,
    client_secret: CLIENT_SECRET,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [id === 'f' ? `${origin}/callback` : `${origin}/redirect_uri`],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: OIDC_SCOPES.join(' '),
  };
}

async function startAll(): Promise<{ targets: Target[]; upstream: Child; helperPids: number[] }> {
  // The upstream behind the proxies, on the load generator's core; a second one on the server core for (a).
  const upstream = await startNodeChild(SERVER_SCRIPT, LOAD_CORE, { BENCH_SERVER: JSON.stringify({ kind: 'upstream', port: 0 }) });
  children.push(upstream);
  const upstreamUrl = `http://127.0.0.1:${upstream.ready.port as number}`;
  const helperPids = [upstream.pid];

  const wanted = (['a', 'b', 'c', 'd', 'e', 'f', 'g'] as const).filter((id) => WANTED.has(id));
  if (wanted.includes('d')) {
    if (!which('redis-server')) {
      notes.push(`(d) left out: ${REDIS_HINT}`);
      wanted.splice(wanted.indexOf('d'), 1);
    } else {
      redis = await startRedis({ wrap: (command, args) => onCore(LOAD_CORE, command, args) });
      helperPids.push(redis.pid!);
    }
  }
  if (wanted.includes('g')) {
    const missing = apacheMissing();
    if (missing) {
      notes.push(`(g) left out: ${missing}`);
      wanted.splice(wanted.indexOf('g'), 1);
    }
  }
  const ports = new Map<Id, number>();
  for (const id of wanted) ports.set(id, await freePort());
  const origin = (id: Id) => `http://localhost:${ports.get(id)}`;
  const signedIn = wanted.filter((id) => !['a', 'b'].includes(id));
  // Long-lived tokens: no refresh during the run (refresh has its own benchmark, storm.ts).
  idp = await startIdp({ port: 0, accessTokenTtl: 7_200, idTokenTtl: 7_200, clients: signedIn.map((id) => clientFor(id, origin(id))) });
  const oidc = { issuer: idp.issuer, clientId: '', clientSecret: CLIENT_SECRET, resource: ORDERS, upstream: upstreamUrl };

  const targets: Target[] = [];
  for (const id of wanted) {
    const port = ports.get(id)!;
    const host = { host: `localhost:${port}` };
    const settings = { ...oidc, clientId: `bench-${id}`, port, origin: origin(id) };
    let pid: number;
    if (id === 'g') {
      try {
        apache = await startApache(settings, SERVER_CORE);
      } catch (error) {
        notes.push(`(g) left out: ${(error as Error).message}`);
        continue;
      }
      pid = apache.pid;
    } else {
      const config =
        id === 'a'
          ? { kind: 'upstream', port }
          : id === 'b'
            ? { kind: 'bare', port, upstream: upstreamUrl, token: STATIC_BEARER }
            : id === 'f'
              ? { kind: 'express', ...settings }
              : { kind: 'cloakroom', ...settings, store: id === 'c' ? 'memory' : id === 'd' ? 'redis' : 'cookie', redisUrl: redis?.url };
      const nodeOptions: string[] = [];
      if (CPU_PROF === id) {
        profileDir = process.env.BENCH_CPU_PROF_DIR || mkdtempSync(join(tmpdir(), 'cloakroom-bench-prof-'));
        nodeOptions.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
      }
      const child = await startNodeChild(SERVER_SCRIPT, SERVER_CORE, { BENCH_SERVER: JSON.stringify(config) }, nodeOptions);
      children.push(child);
      pid = child.pid;
    }
    const prefix = id === 'a' ? '/' : id === 'b' || id === 'f' || id === 'g' ? '/api/' : '/bff/api/orders/';
    const target: Target = {
      id,
      label: LABELS[id],
      port,
      pid,
      headers: { ...host, accept: 'application/json' },
      path: (path) => `${prefix}${path}`,
    };
    if (signedIn.includes(id)) {
      const browser = new TestBrowser();
      const start = id === 'f' ? `${origin(id)}/login` : id === 'g' ? `${origin(id)}/api/orders` : `${origin(id)}/bff/login?returnTo=/`;
      try {
        await signIn(browser, start, ALICE);
      } catch (error) {
        if (id !== 'g') throw error;
        notes.push(`(g) left out: sign-in through mod_auth_openidc failed: ${(error as Error).message}\n${apache?.errorLog()}`);
        await apache?.stop();
        apache = undefined;
        continue;
      }
      const cookies = [...browser.cookies(origin(id))].map(([name, value]) => `${name}=${value}`).join('; ');
      if (!cookies) throw new Error(`${LABELS[id]}: no session cookie after sign-in`);
      target.headers.cookie = cookies;
      if (id === 'c' || id === 'd' || id === 'e') target.headers['x-csrf'] = '1';
    }
    // One call to check it answers 200 upstream's body, and to see which bearer reached the upstream.
    await upstream.ask({ type: 'reset' }, 'reset');
    const check = await get(target, 'orders');
    if (check.status !== 200) {
      const message = `${LABELS[id]}: a proxied call answered ${check.status}: ${check.body.slice(0, 300)}`;
      if (id !== 'g') throw new Error(message);
      notes.push(`(g) left out: ${message}\n${apache?.errorLog()}`);
      await apache?.stop();
      apache = undefined;
      continue;
    }
    const seen = await upstream.ask<{ lastAuthorization: number }>({ type: 'stats' }, 'stats');
    target.bearerLength = id === 'a' ? 0 : Math.max(0, seen.lastAuthorization - 'Bearer '.length);
    targets.push(target);
  }
  return { targets, upstream, helperPids };
}

function get(target: Target, path: Path): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: target.port, path: target.path(path), headers: target.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** One autocannon run against `target`; latencies are kept in full (autocannon's histogram has whole ms only). */
async function load(
  target: Target,
  connections: number,
  seconds: number,
  helperPids: number[],
  path: Path = 'orders',
): Promise<Sample & { rss: number }> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const cpuBefore = treeCpuMicros(target.pid);
  const helpersBefore = helperPids.reduce((sum, pid) => sum + treeCpuMicros(pid), 0);
  const busyBefore = machineTicks().busy;
  const oursBefore = treeCpuMicros(process.pid);
  let rss = treeRssBytes(target.pid);
  const rssTimer = setInterval(() => (rss = Math.max(rss, treeRssBytes(target.pid))), 250);
  const started = performance.now();
  // Without a callback, autocannon's instance is both an event emitter and a promise of the result.
  const instance = autocannon({
    url: `http://127.0.0.1:${target.port}${target.path(path)}`,
    connections,
    duration: seconds,
    headers: target.headers,
  }) as unknown as Promise<autocannon.Result> & Pick<autocannon.Instance, 'on'>;
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok += 1;
      latencies.push(responseTime);
    } else failed += 1;
  });
  const result = await instance;
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(rssTimer);
  const cpu = treeCpuMicros(target.pid) - cpuBefore;
  const helpers = helperPids.reduce((sum, pid) => sum + treeCpuMicros(pid), 0) - helpersBefore;
  failed += result.errors + result.timeouts;
  const other = Math.max(0, ((machineTicks().busy - busyBefore) * TICK_US - (treeCpuMicros(process.pid) - oursBefore)) / (elapsed * 1e6));
  return {
    rps: ok / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpu: cpu / ok,
    helpers: helpers / ok,
    failed,
    other,
    rss,
  };
}

/** Time from sending the request to the first event through the proxy, in ms. */
function timeToFirstEvent(target: Target): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: target.path('sse'),
        headers: { ...target.headers, accept: 'text/event-stream' },
        agent: false,
      },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`${target.label}: SSE answered ${res.statusCode}`));
        let seen = '';
        let first: number | undefined;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          seen += chunk;
          if (first === undefined && seen.includes('data: first')) first = performance.now() - started;
        });
        res.on('end', () => (first === undefined ? reject(new Error(`${target.label}: no SSE event`)) : resolve(first)));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function machine(): string {
  const cpu = cpus();
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${fmt(totalmem() / 2 ** 30, 1)} GiB RAM (${fmt(freemem() / 2 ** 30, 1)} free), Linux ${release()}, Node ${process.version}`;
}

async function main() {
  pinSelf(LOAD_CORE);
  console.log(
    `Proxy benchmark (issue 12) — ${QUICK ? 'QUICK mode' : 'full mode'}: ${ROUNDS} interleaved rounds × ${SECONDS} s per target at 32 and at 1 connection(s)`,
  );
  console.log(`Machine: ${machine()}`);
  console.log(`Cores: ${pinning.why}\n`);
  const { targets, helperPids } = await startAll();
  const byId = new Map(targets.map((target) => [target.id, target]));
  for (const target of targets) console.log(`  ${target.label.padEnd(40)} port ${target.port}, bearer ${target.bearerLength} chars`);
  for (const note of notes) console.log(`  NOTE ${note}`);

  console.log(`\nWarm-up: ${WARM_UP_SECONDS} s at 32 connections each`);
  for (const target of targets) await load(target, 32, WARM_UP_SECONDS, helperPids);

  const samples: Record<32 | 1, Map<Id, Sample>[]> = { 32: [], 1: [] };
  const otherLoad: string[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = round % 2 ? [...targets].reverse() : targets;
    const busyBefore = machineTicks().busy;
    const oursBefore = treeCpuMicros(process.pid);
    const started = performance.now();
    const load1 = loadAverage();
    let retaken = 0;
    let noisy = 0;
    for (const connections of [32, 1] as const) {
      const results = new Map<Id, Sample>();
      for (const target of order) {
        let sample = await load(target, connections, SECONDS, helperPids);
        // Another process took a share of the machine: take the sample again, after a pause.
        for (let retry = 0; sample.other > MAX_OTHER_LOAD && retry < RETRIES; retry += 1) {
          retaken += 1;
          await new Promise((resolve) => setTimeout(resolve, 2_000));
          sample = await load(target, connections, SECONDS, helperPids);
        }
        if (sample.other > MAX_OTHER_LOAD) noisy += 1;
        results.set(target.id, sample);
      }
      samples[connections].push(results);
    }
    const elapsedUs = (performance.now() - started) * 1000;
    const other = ((machineTicks().busy - busyBefore) * TICK_US - (treeCpuMicros(process.pid) - oursBefore)) / elapsedUs;
    const line =
      `round ${round + 1}/${ROUNDS}: loadavg ${load1}; other processes used ${fmt(Math.max(0, other) * 100, 1)} % of one core; ` +
      `${retaken} sample(s) taken again, ${noisy} kept with other load > ${fmt(MAX_OTHER_LOAD * 100)} %`;
    otherLoad.push(line);
    const row = (connections: 32 | 1) =>
      order.map((target) => `${target.id} ${fmt(samples[connections][round]!.get(target.id)!.rps)}`).join('  ');
    console.log(`  ${line}\n    32 conn req/s: ${row(32)}\n     1 conn req/s: ${row(1)}`);
  }

  const series = (connections: 32 | 1, id: Id, field: keyof Sample) =>
    samples[connections].map((round) => round.get(id)?.[field] ?? Number.NaN);
  const failures = targets.map(
    (target) => [target, [...series(32, target.id, 'failed'), ...series(1, target.id, 'failed')].reduce((a, b) => a + b, 0)] as const,
  );
  const rows = targets.map((target) => [
    target.label,
    String(target.bearerLength),
    medianRange(series(32, target.id, 'rps')),
    `${fmt(median(series(32, target.id, 'p50')), 2)} / ${fmt(median(series(32, target.id, 'p99')), 2)}`,
    medianRange(series(1, target.id, 'rps')),
    `${fmt(median(series(1, target.id, 'p50')), 2)} / ${fmt(median(series(1, target.id, 'p99')), 2)}`,
    medianRange(series(32, target.id, 'cpu')),
    fmt(median(series(32, target.id, 'helpers'))),
  ]);
  console.log(`\n## Proxied GET (small JSON), ${ROUNDS} rounds × ${SECONDS} s, median (min–max)\n`);
  console.log(
    table(
      [
        '',
        'bearer chars',
        'req/s @32',
        'p50 / p99 ms @32',
        'req/s @1',
        'p50 / p99 ms @1',
        'server CPU µs/req @32',
        'upstream+Redis CPU µs/req',
      ],
      rows,
    ),
  );
  for (const [target, failed] of failures) if (failed) console.log(`  WARNING ${target.label}: ${failed} non-2xx answers or errors`);

  // Ratios within each round, then their median.
  const ratio = (connections: 32 | 1, field: keyof Sample, top: Id, bottom: Id, op: 'div' | 'sub' = 'div') =>
    samples[connections].map((round) => {
      const x = round.get(top)?.[field] ?? Number.NaN;
      const y = round.get(bottom)?.[field] ?? Number.NaN;
      return op === 'div' ? x / y : x - y;
    });
  const has = (...ids: Id[]) => ids.every((id) => byId.has(id));
  const lines: string[][] = [];
  const add = (name: string, values: number[], digits: number, goal: string, ok?: (value: number) => boolean) => {
    const value = median(values);
    const [low, high] = range(values);
    lines.push([name, `${fmt(value, digits)} (${fmt(low, digits)}–${fmt(high, digits)})`, goal, ok ? verdict(ok(value)) : 'stated']);
  };
  if (has('c', 'b')) {
    add('c/b req/s @32', ratio(32, 'rps', 'c', 'b'), 2, '≥ 0.85', (v) => v >= 0.85);
    add('c/b CPU per request @32', ratio(32, 'cpu', 'c', 'b'), 2, '≤ 1.3', (v) => v <= 1.3);
    add('c−b p50 added @1 (ms)', ratio(1, 'p50', 'c', 'b', 'sub'), 2, '≤ 0.3', (v) => v <= 0.3);
    add('c−b p99 added @1 (ms)', ratio(1, 'p99', 'c', 'b', 'sub'), 2, '≤ 2', (v) => v <= 2);
  }
  if (has('d', 'c')) add('d/c req/s @32', ratio(32, 'rps', 'd', 'c'), 2, '≥ 0.8', (v) => v >= 0.8);
  if (has('e', 'c')) add('e/c req/s @32', ratio(32, 'rps', 'e', 'c'), 2, '≥ 0.9', (v) => v >= 0.9);
  if (has('c', 'f')) {
    add('f req/s @32 (the peer, stated first)', series(32, 'f', 'rps'), 0, 'stated');
    add('c/f req/s @32', ratio(32, 'rps', 'c', 'f'), 2, '≥ 1.5', (v) => v >= 1.5);
    add('c/f CPU per request @32', ratio(32, 'cpu', 'c', 'f'), 2, 'stated');
  }
  if (has('c', 'g')) {
    add('c/g req/s @32', ratio(32, 'rps', 'c', 'g'), 2, 'stated');
    add('c/g CPU per request @32', ratio(32, 'cpu', 'c', 'g'), 2, 'stated');
  }
  if (has('c', 'b')) add('c/b req/s @1', ratio(1, 'rps', 'c', 'b'), 2, 'stated');
  console.log(`\n## Ratios (within a round; median, range)\n`);
  console.log(table(['ratio', 'value', 'target', ''], lines));

  if (STREAMS) await streaming(targets, helperPids);

  console.log(`\n## Machine load per round\n`);
  for (const line of otherLoad) console.log(`  ${line}`);
  for (const note of notes) console.log(`\nNOTE ${note}`);
}

/** 1 MiB streamed through each proxy, interleaved too, with the server's peak RSS; then SSE. */
async function streaming(targets: Target[], helperPids: number[]) {
  const STREAM_CONNECTIONS = 4;
  const streams = new Map<Id, { mibs: number[]; rss: number[]; rssBefore: number }>();
  for (const target of targets) streams.set(target.id, { mibs: [], rss: [], rssBefore: treeRssBytes(target.pid) });
  for (let round = 0; round < STREAM_ROUNDS; round += 1) {
    for (const target of round % 2 ? [...targets].reverse() : targets) {
      const result = await load(target, STREAM_CONNECTIONS, SECONDS, helperPids, 'big');
      streams.get(target.id)!.mibs.push(result.rps); // 1 MiB per response: responses/s = MiB/s
      streams.get(target.id)!.rss.push(result.rss);
    }
  }
  const sse = new Map<Id, number[]>();
  for (const target of targets) sse.set(target.id, []);
  for (let sample = 0; sample < SSE_SAMPLES; sample += 1) {
    for (const target of targets) sse.get(target.id)!.push(await timeToFirstEvent(target));
  }
  console.log(
    `\n## Streaming: 1 MiB response (${STREAM_CONNECTIONS} connections, ${STREAM_ROUNDS} × ${SECONDS} s) and SSE (${SSE_SAMPLES} streams each)\n`,
  );
  const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 0)}`;
  console.log(
    table(
      ['', 'MiB/s', 'vs (b)', 'server RSS MiB before → peak', 'SSE first event ms median (max)'],
      targets.map((target) => {
        const stream = streams.get(target.id)!;
        const b = streams.get('b');
        const events = sse.get(target.id)!;
        return [
          target.label,
          medianRange(stream.mibs),
          b ? fmt(median(stream.mibs) / median(b.mibs), 2) : '–',
          `${mib(stream.rssBefore)} → ${mib(Math.max(...stream.rss))}`,
          `${fmt(median(events), 1)} (${fmt(Math.max(...events), 1)})`,
        ];
      }),
    ),
  );
  console.log(`  (the upstream sends its first event at once and ends the stream after 400 ms: a buffering proxy shows ~400 ms)`);
}

try {
  await main();
} finally {
  await Promise.all(children.map((child) => child.stop()));
  await apache?.stop();
  await redis?.stop();
  await idp?.close();
  if (profileDir) {
    // One profile per thread; the main thread's is the largest (the others are tsx's loader worker).
    const [main] = readdirSync(profileDir)
      .filter((file) => file.endsWith('.cpuprofile'))
      .map((file) => ({ file, size: statSync(join(profileDir!, file)).size }))
      .sort((a, b) => b.size - a.size);
    if (main)
      console.log(
        `\n## CPU profile of (${CPU_PROF})'s main thread, top self time (whole run, start-up included)\n\n${summariseProfile(join(profileDir, main.file), 30)}`,
      );
    if (!process.env.BENCH_CPU_PROF_DIR) rmSync(profileDir, { recursive: true, force: true });
  }
}
