import fc from 'fast-check';
import { unsealData } from 'iron-session';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BFF_ERROR_CODES } from '../../src/errors.js';
import { isNavigation } from '../../src/navigation-errors.js';
import { COOKIE_SECRET, startStack } from '../stack.js';
import { anyString, cookieValue, fakeSeal, tamper, token } from './arbitraries.js';

/**
 * Property-based tests of `GET /bff/callback`: whatever comes back from "the IdP" (really: whatever
 * an attacker puts in the URL and the cookies), the callback never answers 5xx, never starts a
 * session, and never sends the browser anywhere but into the app.
 */

let stack: Awaited<ReturnType<typeof startStack>>;
let origin: string;

beforeAll(async () => {
  stack = await startStack(() => ({}));
  origin = stack.bff.origin;
  await stack.bff.app.ready();
});
afterAll(() => stack.close());

/** A fresh login transaction, as `/bff/login` sets it: its sealed cookie and the state inside. */
async function freshTransaction() {
  const response = await stack.bff.app.request(`${origin}/bff/login?returnTo=/after`);
  expect(response.status).toBe(302);
  const seal = response.headers
    .getSetCookie()
    .find((line) => line.startsWith('__Host-cloakroom-login='))!
    .slice('__Host-cloakroom-login='.length)
    .split(';')[0]!;
  const { state } = await unsealData<{ state: string }>(seal, { password: COOKIE_SECRET, ttl: 600 });
  return { seal, state };
}

type Transaction = Awaited<ReturnType<typeof freshTransaction>>;
/** A placeholder for a value known only once the transaction exists. */
const REAL_STATE = Symbol('state');
const REAL_ISSUER = Symbol('issuer');
type Value = string | typeof REAL_STATE | typeof REAL_ISSUER;

const OAUTH_ERRORS = [
  'access_denied',
  'invalid_request',
  'login_required',
  'consent_required',
  'interaction_required',
  'server_error',
  'temporarily_unavailable',
  'unauthorized_client',
  'invalid_scope',
];

const parameter = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constant('code'), fc.oneof(anyString(60), fc.base64String({ maxLength: 60 }))) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('state'), fc.oneof<fc.Arbitrary<Value>[]>(fc.constant(REAL_STATE), anyString(50))) },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constant('iss'),
      fc.oneof<fc.Arbitrary<Value>[]>(
        fc.constant(REAL_ISSUER),
        fc.constantFrom('https://evil.example', 'http://127.0.0.1', ''),
        anyString(40),
      ),
    ),
  },
  { weight: 2, arbitrary: fc.tuple(fc.constant('error'), fc.oneof(fc.constantFrom(...OAUTH_ERRORS), anyString(30))) },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constantFrom(
        'error_description',
        'error_uri',
        'session_state',
        'response',
        'id_token',
        'access_token',
        'token_type',
        'expires_in',
        'scope',
        'client_id',
        'returnTo',
        'redirect_uri',
      ),
      fc.oneof(
        anyString(40),
        fc.constantFrom('<script>alert(1)</script>', 'https://evil.example', '//evil.example', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'),
      ),
    ),
  },
  { weight: 1, arbitrary: fc.tuple(anyString(12), anyString(30)) },
);

/** The transaction cookie the browser sends back, if any. */
const transactionCookie = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.constant({ kind: 'valid' as const }),
  fc.nat().map((seed) => ({ kind: 'tampered' as const, seed })),
  fakeSeal.map((seal) => ({ kind: 'fake' as const, seal })),
  cookieValue().map((seal) => ({ kind: 'fake' as const, seal })),
);

/** What a real IdP sends back (the right state and issuer), with a fuzzed code and maybe more: reaches the token endpoint. */
const wellFormed = fc
  .tuple(fc.oneof(anyString(60), fc.base64String({ maxLength: 60 })), fc.array(parameter, { maxLength: 2 }))
  .map(([code, extra]): [string, Value][] => [['code', code], ['state', REAL_STATE], ['iss', REAL_ISSUER], ...extra]);

const noiseCookies = fc.array(fc.tuple(token(20), cookieValue(40)), { maxLength: 3 });

const isNav = (request: Request) => isNavigation({ header: (name) => request.headers.get(name) ?? undefined });

describe('GET /bff/callback (property)', () => {
  it('never answers 5xx, never sets a session cookie, never redirects off the origin', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.array(parameter, { maxLength: 7 }), transactionCookie),
          // The browser's own transaction cookie, as after a real round trip through the IdP.
          fc.tuple(wellFormed, fc.constant({ kind: 'valid' as const })),
        ),
        fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: anyString(100) }),
        fc.constantFrom('encoded', 'raw'),
        noiseCookies,
        fc.constantFrom('navigation', 'fetch', 'bare'),
        fc.infiniteStream(fc.nat()),
        async ([parameters, cookie], rawQuery, how, noise, mode, random) => {
          const needsTransaction =
            cookie.kind === 'valid' || cookie.kind === 'tampered' || parameters.some(([, value]) => value === REAL_STATE);
          const transaction: Transaction | undefined = needsTransaction ? await freshTransaction() : undefined;
          const pairs = parameters.map(([name, value]): [string, string] => [
            name,
            value === REAL_STATE ? transaction!.state : value === REAL_ISSUER ? stack.idp.issuer : value,
          ]);
          const search =
            rawQuery ??
            (how === 'encoded' ? new URLSearchParams(pairs).toString() : pairs.map(([name, value]) => `${name}=${value}`).join('&'));

          let seal: string | undefined;
          if (cookie.kind === 'valid') seal = transaction!.seal;
          else if (cookie.kind === 'tampered') seal = fc.sample(tamper(transaction!.seal), { seed: cookie.seed, numRuns: 1 })[0]!;
          else if (cookie.kind === 'fake') seal = cookie.seal;
          const cookies = [
            ...noise.map(([name, value]) => `${name}=${value}`),
            ...(seal === undefined ? [] : [`__Host-cloakroom-login=${seal}`]),
          ];
          // Noise first or last: order must not matter.
          if (random.next().value % 2 === 0) cookies.reverse();

          const headers: Record<string, string> = {
            ...(cookies.length ? { cookie: cookies.join('; ') } : {}),
            ...(mode === 'navigation'
              ? { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'cross-site' }
              : {}),
            ...(mode === 'fetch' ? { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' } : {}),
          };
          let request: Request;
          try {
            request = new Request(`${origin}/bff/callback?${search}`, { headers });
          } catch (error) {
            // A URL or header the client itself cannot build never reaches the BFF.
            fc.pre(!(error instanceof TypeError));
            throw error;
          }
          const response = await stack.bff.app.request(request);

          expect(response.status).toBeLessThan(500);
          // No session: the only Set-Cookie lines clear the transaction (single use, whatever happens).
          const setCookies = response.headers.getSetCookie();
          expect(setCookies.filter((line) => !/^__Host-cloakroom-login=;.*Max-Age=0/.test(line))).toEqual([]);
          expect(setCookies.length).toBe(1);
          if (response.status >= 300 && response.status < 400) {
            expect(isNav(request)).toBe(true);
            const location = new URL(response.headers.get('location')!, origin);
            expect(location.origin).toBe(origin);
            expect(location.pathname).toBe('/');
            expect(BFF_ERROR_CODES).toContain(location.searchParams.get('cloakroom_error'));
          } else {
            expect(isNav(request)).toBe(false);
            expect(response.status).toBeGreaterThanOrEqual(400);
            expect(response.headers.get('content-type')).toBe('application/problem+json');
            const body = await response.text();
            expect(BFF_ERROR_CODES).toContain((JSON.parse(body) as { code: string }).code);
            // Nothing the request supplied comes back (no reflected error_description, no code).
            for (const [name, value] of pairs) if (value.length > 8 && name !== 'iss') expect(body).not.toContain(value);
          }
        },
      ),
      { numRuns: 150 },
    );
    // The runs got past the state and iss checks to the token endpoint, which refused the fuzzed codes.
    const failures = stack.bff.logger.lines.map((line) => JSON.parse(line) as { operation?: string; error?: string; errorCode?: string });
    expect(failures).toContainEqual(expect.objectContaining({ operation: 'authorization_code_grant', error: 'invalid_grant' }));
  });
});
