import fc from 'fast-check';
import { unsealData } from 'iron-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BFF_ERROR_CODES } from '../../src/errors.js';
import { isNavigation } from '../../src/navigation-errors.js';
import { MAX_RETURN_TO_LENGTH, safeReturnTo } from '../../src/return-to.js';
import { COOKIE_SECRET, startStack } from '../stack.js';
import { anyString, fuzzPath, headerValue, PATH_PIECES } from './arbitraries.js';

/**
 * Property-based tests of `returnTo` and `GET /bff/login`: whatever the app (or an attacker who
 * crafts a link) passes, the answer is never a 5xx, the browser never lands on another origin, and
 * the destination remembered for after sign-in is a same-origin path.
 */

let stack: Awaited<ReturnType<typeof startStack>>;
let origin: string;
let idpOrigin: string;

beforeAll(async () => {
  stack = await startStack(() => ({}));
  origin = stack.bff.origin;
  idpOrigin = new URL(stack.idp.issuer).origin;
  await stack.bff.app.ready();
});
afterAll(() => stack.close());

/** Prefixes that browsers (or URL parsers) read as "another origin" or "not a path". */
const PREFIXES = [
  '/',
  '//',
  '/\\',
  '\\/',
  '\\\\',
  '/%2f',
  '/%5c',
  '/.//',
  '/./\\',
  '/a/..//',
  '/..//',
  '/%2e%2e//',
  '/\t/',
  '/\n/',
  ' /',
  '\t/',
  '\u0000/',
  'https:',
  'https://evil.example',
  'http:/evil.example',
  'javascript:alert(1)',
  'data:text/html,x',
  '///evil.example',
  '/\\evil.example',
  '/@evil.example',
  '/:@evil.example',
  '/?//evil',
  '/#//evil',
  '/\u3002evil',
  '/\uff0f\uff0fevil',
  '/\u2215\u2215evil',
  '%2f%2fevil',
  '',
];

/** A `returnTo` as an attacker or a confused app might write it. */
const returnTo = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...PREFIXES), fuzzPath).map(([prefix, path]) => `${prefix}${path}`) },
  { weight: 2, arbitrary: anyString(80) },
  // Ordinary app paths (with queries, fragments, unicode), which must come back as they went.
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.webPath(), fc.webQueryParameters(), fc.webFragments(), fc.string({ maxLength: 8 }))
      .map(([path, q, f, s]) => `/${path.replace(/^\/+/, '')}${s}?${q}#${f}`),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...PREFIXES), fc.array(fc.constantFrom(...PATH_PIECES), { maxLength: 8 }))
      .map(([prefix, pieces]) => `${prefix}${pieces.join('')}`),
  },
  // Around the length limit, in ASCII and in characters that percent-encoding multiplies.
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: MAX_RETURN_TO_LENGTH - 4, max: MAX_RETURN_TO_LENGTH + 4 }), fc.constantFrom('a', '/', '%', '.', 'é'))
      .map(([length, char]) => `/${char.repeat(length - 1)}`),
  },
);

describe('safeReturnTo (property)', () => {
  it('answers undefined or a same-origin path that does not start with // or /\\, and is stable', () => {
    fc.assert(
      fc.property(
        returnTo,
        fc.constantFrom('http://localhost:3000', 'https://app.example.com', 'https://app.example.com:8443'),
        (value, base) => {
          const result = safeReturnTo(value, base);
          if (result === undefined) return;
          expect(result.startsWith('/')).toBe(true);
          expect(result.startsWith('//')).toBe(false);
          expect(result.startsWith('/\\')).toBe(false);
          const resolved = new URL(result, base);
          expect(resolved.origin).toBe(base);
          // What a browser would be sent after the redirect: still a path, not a protocol-relative URL.
          expect(resolved.pathname.startsWith('//')).toBe(false);
          expect(/[\p{Cc}\\]/u.test(result)).toBe(false);
          // Accepted once, accepted again as itself: the callback's redirect is exactly this path.
          if (result.length <= MAX_RETURN_TO_LENGTH) expect(safeReturnTo(result, base)).toBe(result);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

type Mode = 'fetch' | 'navigation' | 'html-accept' | 'bare';
const MODE_HEADERS: Record<Mode, Record<string, string>> = {
  fetch: { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'same-origin' },
  navigation: { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'none' },
  'html-accept': { accept: 'text/html,application/xhtml+xml' },
  bare: {},
};
const navigates = (request: Request) => isNavigation({ header: (name) => request.headers.get(name) ?? undefined });

/** The query string as sent: properly encoded by URLSearchParams, or written raw into the URL. */
const encodedOrRaw = fc.constantFrom('encoded', 'raw');
const query = (pairs: [string, string][], how: string) =>
  how === 'encoded' ? new URLSearchParams(pairs).toString() : pairs.map(([name, value]) => `${name}=${value}`).join('&');

/** Sends `GET /bff/login?…` in-process, as the browser would send that URL. */
async function login(search: string, mode: Mode) {
  const url = `${origin}/bff/login?${search}`;
  const request = new Request(url, { headers: MODE_HEADERS[mode] });
  const response = await stack.bff.app.request(request);
  // What the server saw of the query: the URL after the parser's own encoding.
  return { response, seen: new URL(request.url).searchParams, navigation: navigates(request) };
}

/** Checks one answer of `/bff/login`: no 5xx, JSON for fetch, a redirect (IdP or own origin) for a navigation. */
async function expectSafeLoginAnswer(response: Response, navigation: boolean) {
  expect(response.status).toBeLessThan(500);
  if (response.status === 302) {
    const location = new URL(response.headers.get('location')!, origin);
    expect([origin, idpOrigin]).toContain(location.origin);
    if (location.origin === origin) {
      // Only a navigation's failure lands back in the app, and with a stable code only.
      expect(navigation).toBe(true);
      expect(location.pathname).toBe('/');
      expect(BFF_ERROR_CODES).toContain(location.searchParams.get('cloakroom_error'));
    }
    return location;
  }
  expect(navigation).toBe(false);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(BFF_ERROR_CODES).toContain(((await response.json()) as { code: string }).code);
  return undefined;
}

async function transactionOf(response: Response) {
  const cookie = response.headers.getSetCookie().find((line) => line.startsWith('__Host-cloakroom-login='));
  expect(cookie).toBeDefined();
  const seal = cookie!.slice('__Host-cloakroom-login='.length).split(';')[0]!;
  return unsealData<{ returnTo: string }>(seal, { password: COOKIE_SECRET, ttl: 600 });
}

describe('GET /bff/login (property)', () => {
  it('never answers 5xx for any returnTo; goes to the IdP exactly when returnTo is safe, and remembers it as safeReturnTo says', async () => {
    const outcomes = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        returnTo,
        fc.constantFrom<Mode>('fetch', 'navigation', 'html-accept', 'bare'),
        encodedOrRaw,
        async (value, mode, how) => {
          let sent: Awaited<ReturnType<typeof login>>;
          try {
            sent = await login(query([['returnTo', value]], how), mode);
          } catch (error) {
            // A URL the client itself cannot build (a lone surrogate written raw) never reaches the BFF.
            fc.pre(!(error instanceof TypeError));
            throw error;
          }
          const { response, seen } = sent;
          const expected = safeReturnTo(seen.get('returnTo') ?? undefined, origin);
          const location = await expectSafeLoginAnswer(response, sent.navigation);
          if (expected === undefined) {
            expect(location?.origin ?? origin).toBe(origin);
            if (location) expect(location.searchParams.get('cloakroom_error')).toBe('invalid_request');
            else expect(response.status).toBe(400);
          } else {
            expect(location?.origin).toBe(idpOrigin);
            expect((await transactionOf(response)).returnTo).toBe(expected);
          }
          outcomes[expected === undefined ? 'refused' : 'accepted']++;
        },
      ),
      { numRuns: 200 },
    );
    expect(outcomes.accepted).toBeGreaterThan(20);
    expect(outcomes.refused).toBeGreaterThan(20);
  });

  it('never answers 5xx for arbitrary query strings and header noise, except the IdP refusing a login parameter (see regressions)', async () => {
    const names = fc.constantFrom(
      'returnTo',
      'prompt',
      'login_hint',
      'max_age',
      'acr_values',
      'ui_locales',
      'redirect_uri',
      'client_id',
      'state',
      'scope',
      'resource',
      'nonce',
      'request_uri',
      'x',
    );
    const values = fc.oneof(
      anyString(40),
      fc.constantFrom(
        'none',
        'login',
        'consent',
        'select_account',
        'none login',
        'login consent',
        '0',
        '-1',
        '1e3',
        '999999999',
        '9999999999',
        '/',
        '//evil',
        'en',
        'de fr',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(names, values), { maxLength: 6 }),
        fc.oneof(fc.constant(undefined), anyString(120)),
        fc.dictionary(
          fc.constantFrom('x-forwarded-host', 'host', 'origin', 'referer', 'cookie', 'accept', 'sec-fetch-site', 'x-csrf'),
          headerValue(60),
          { maxKeys: 4 },
        ),
        fc.constantFrom<Mode>('fetch', 'navigation', 'bare'),
        encodedOrRaw,
        async (pairs, rawQuery, extraHeaders, mode, how) => {
          const search = rawQuery ?? query(pairs, how);
          let request: Request;
          try {
            request = new Request(`${origin}/bff/login?${search}`, { headers: { ...extraHeaders, ...MODE_HEADERS[mode] } });
          } catch (error) {
            fc.pre(!(error instanceof TypeError));
            throw error;
          }
          const response = await stack.bff.app.request(request);
          await expectSafeLoginAnswer(response, navigates(request));
        },
      ),
      { numRuns: 120 },
    );
  });
});
