import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import fc from 'fast-check';
import { sealData, unsealData } from 'iron-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../src/sessions/chunked-cookie.js';
import { COOKIE_SECRET, ORDERS_RESOURCE, REPORTS_RESOURCE, startStack } from '../stack.js';
import { startUpstream, type CapturingUpstream } from '../upstream.js';
import { cookieValue, fakeSeal, headerValue, tamper, token } from './arbitraries.js';

/**
 * Property-based tests of the session cookie, in both modes: whatever `Cookie` header arrives
 * (random names and values, tampered or truncated iron seals, stateless chunks missing, doubled,
 * reordered or extra), `GET /bff/session` answers 200 with `{authenticated: false}`, or the real
 * session only when its cookie came through untouched. Never a 5xx.
 */

const password = { 1: COOKIE_SECRET };
const json = { 'x-csrf': '1' };
let upstream: CapturingUpstream;
let stored: Awaited<ReturnType<typeof startStack>>;
let stateless: Awaited<ReturnType<typeof startStack>>;
/** The signed-in browser's session cookies, by mode: name → value, in order. */
let storedCookies: [string, string][];
let statelessCookies: [string, string][];

async function signedInCookies(stack: Awaited<ReturnType<typeof startStack>>, prefix: string) {
  const browser = new TestBrowser();
  const origin = stack.bff.origin;
  await signIn(browser, `${origin}/bff/login`, { username: 'alice', password: 'alice-password' });
  // A second API's token makes a stateless session larger than one cookie.
  expect((await browser.fetch(`${origin}/bff/api/reports/x`, { headers: json })).status).toBe(200);
  return [...browser.cookies(origin)].filter(([name]) => name.startsWith(prefix)).sort(([a], [b]) => a.localeCompare(b));
}

beforeAll(async () => {
  upstream = await startUpstream();
  const apis = () => ({
    orders: { baseUrl: upstream.url, scopes: ['orders:read'], resource: ORDERS_RESOURCE },
    reports: { baseUrl: upstream.url, scopes: ['reports:read'], resource: REPORTS_RESOURCE },
  });
  [stored, stateless] = await Promise.all([
    startStack(apis),
    startStack(apis, { bff: { session: { store: 'cookie' }, logoutIdTokenHint: true } }),
  ]);
  storedCookies = await signedInCookies(stored, '__Host-cloakroom');
  statelessCookies = await signedInCookies(stateless, '__Host-cloakroom.');
  expect(storedCookies.map(([name]) => name)).toEqual(['__Host-cloakroom']);
  expect(statelessCookies.map(([name]) => name)).toEqual(['__Host-cloakroom.0', '__Host-cloakroom.1']);
});
afterAll(async () => {
  await Promise.all([stored?.close(), stateless?.close()]);
  await upstream?.close();
});

/** Names that collide with the BFF's own cookies, or nearly. */
const OWN_NAMES = [
  '__Host-cloakroom',
  '__Host-cloakroom.0',
  '__Host-cloakroom.1',
  '__Host-cloakroom.2',
  '__Host-cloakroom.3',
  '__Host-cloakroom.15',
  '__Host-cloakroom.16',
  '__Host-cloakroom.00',
  '__Host-cloakroom.-1',
  '__Host-cloakroom-login',
  '__Host-cloakroom-logout',
  '__host-cloakroom',
  '__Secure-cloakroom',
  'cloakroom',
  ' __Host-cloakroom',
  '__Host-cloakroom ',
  '"__Host-cloakroom"',
];

type Entry = { kind: 'real'; index: number } | { kind: 'raw'; text: string };

/** One `Cookie` header entry: a real cookie, a tampered one, one of ours with a random value, noise. */
function entry(real: [string, string][]) {
  const index = fc.nat({ max: real.length - 1 });
  return fc.oneof(
    { weight: 3, arbitrary: index.map((i): Entry => ({ kind: 'real', index: i })) },
    // A real chunk's value under another chunk's name (reordered), or a tampered value under its own name.
    {
      weight: 2,
      arbitrary: fc.tuple(index, index).map(([from, to]): Entry => ({ kind: 'raw', text: `${real[to]![0]}=${real[from]![1]}` })),
    },
    {
      weight: 3,
      arbitrary: index.chain((i) => tamper(real[i]![1]).map((value): Entry => ({ kind: 'raw', text: `${real[i]![0]}=${value}` }))),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...OWN_NAMES), fc.oneof(fakeSeal, cookieValue(), fc.constant(real[0]![1])))
        .map(([name, value]): Entry => ({ kind: 'raw', text: `${name}=${value}` })),
    },
    { weight: 2, arbitrary: fc.tuple(token(), cookieValue()).map(([name, value]): Entry => ({ kind: 'raw', text: `${name}=${value}` })) },
    { weight: 1, arbitrary: headerValue(60).map((text): Entry => ({ kind: 'raw', text })) },
  );
}

const separator = fc.constantFrom('; ', ';', ' ; ', ';\t', ';;', '; ;');

/** Builds the header; answers whether it carries every real cookie exactly, with no own-named noise beside them. */
function cookieHeader(real: [string, string][], entries: Entry[], separators: string[]) {
  const parts = entries.map((item) => (item.kind === 'real' ? `${real[item.index]![0]}=${real[item.index]![1]}` : item.text));
  const header = parts.map((part, i) => `${i === 0 ? '' : separators[i % separators.length]}${part}`).join('');
  const complete = real.every((_, index) => entries.some((item) => item.kind === 'real' && item.index === index));
  const clean = entries.every((item) => item.kind === 'real' || !/cloakroom/i.test(item.text));
  return { header, untouched: complete && clean };
}

async function sessionOf(stack: Awaited<ReturnType<typeof startStack>>, cookie: string, sub: string | undefined = 'alice') {
  const response = await stack.bff.app.request(`${stack.bff.origin}/bff/session`, { headers: { ...json, ...(cookie ? { cookie } : {}) } });
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const body = (await response.json()) as { authenticated: boolean; user?: { sub?: unknown } };
  if (body.authenticated) expect(body.user?.sub).toBe(sub ?? body.user?.sub);
  else expect(body).toEqual({ authenticated: false });
  return body.authenticated;
}

describe.each([
  ['stored', () => stored, () => storedCookies],
  ['stateless (chunked)', () => stateless, () => statelessCookies],
] as const)('GET /bff/session with a fuzzed Cookie header, %s sessions (property)', (_mode, stackOf, cookiesOf) => {
  it('answers 200, and the session only for the untouched cookie', async () => {
    const real = cookiesOf();
    const outcomes = { signedIn: 0, signedOut: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry(real), { maxLength: 8 }),
        fc.array(separator, { minLength: 1, maxLength: 3 }),
        async (entries, separators) => {
          let header: ReturnType<typeof cookieHeader>;
          try {
            header = cookieHeader(real, entries, separators);
            new Headers({ cookie: header.header });
          } catch (error) {
            fc.pre(!(error instanceof TypeError));
            throw error;
          }
          const authenticated = await sessionOf(stackOf(), header.header);
          // Only the real, untouched cookie(s) sign anyone in; with them (and no look-alikes) she is.
          if (authenticated) for (const [, value] of real) expect(header.header).toContain(value);
          if (header.untouched) expect(authenticated).toBe(true);
          outcomes[authenticated ? 'signedIn' : 'signedOut']++;
        },
      ),
      { numRuns: 200 },
    );
    // Both answers came up: the generator does reach the real session, and refuses the rest.
    expect(outcomes.signedIn).toBeGreaterThan(5);
    expect(outcomes.signedOut).toBeGreaterThan(5);
  });
});

describe('cookies sealed with the real secret but holding anything (property)', () => {
  it('stored mode: any content of the session ticket answers 200, and a session only for the real id', async () => {
    const { id } = await unsealData<{ id: string }>(storedCookies[0]![1], { password, ttl: 3600 });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ id: fc.oneof(fc.jsonValue(), fc.constantFrom('__proto__', 'constructor', '', id, `${id} `)) }, { requiredKeys: [] }),
          fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 4 }).map((extra) => ({ ...extra, id })),
        ),
        async (value) => {
          const seal = await sealData(value, { password, ttl: 3600 });
          const authenticated = await sessionOf(stored, `__Host-cloakroom=${seal}`);
          const isReal = typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { id?: unknown }).id === id;
          expect(authenticated).toBe(isReal);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('stateless mode: a session whose fields are replaced by anything answers 200, never 5xx', async () => {
    const session = await unsealData<Record<string, unknown>>(statelessCookies.map(([, value]) => value).join(''), { password, ttl: 3600 });
    expect(session).toMatchObject({ sub: 'alice' });
    const fields = Object.keys(session);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...fields, 'claims', '__proto__', 'constructor'), fc.oneof(fc.jsonValue(), fc.constant(undefined)), {
          maxKeys: 4,
        }),
        async (replaced) => {
          const value = { ...session };
          for (const [name, replacement] of Object.entries(replaced)) {
            if (replacement === undefined) delete value[name];
            else Object.defineProperty(value, name, { value: replacement, enumerable: true, configurable: true, writable: true });
          }
          const seal = await sealData(value, { password, ttl: 3600 });
          const chunks = Array.from(
            { length: Math.ceil(seal.length / CHUNK_SIZE) },
            (_, i) => `__Host-cloakroom.${i}=${seal.slice(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)}`,
          );
          // Whoever the (forged) session names: what matters is a defined answer.
          await sessionOf(stateless, chunks.join('; '), undefined);
        },
      ),
      { numRuns: 150 },
    );
  });
});
