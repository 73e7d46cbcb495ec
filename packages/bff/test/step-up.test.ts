import { requireAccessToken, requireAcr, type AccessTokenEnv } from '@cloakroom/guard';
import { ALICE, MFA_ACR, PASSWORD_ACR } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { startLoopbackServer, type LoopbackServer } from '@cloakroom/test-harness/loopback';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDERS_RESOURCE, startStack } from './stack.js';
import { startUpstream, type CapturingUpstream } from './upstream.js';

const json = { 'x-csrf': '1', accept: 'application/json' };
const MAX_AGE = 300;

let stack: Awaited<ReturnType<typeof startStack>>;
let origin: string;
/** The orders API behind @cloakroom/guard: transfers need a second factor within MAX_AGE seconds. */
let api: LoopbackServer;
let guarded: Hono<AccessTokenEnv> | undefined;
let apiCalls = 0;
/** An API that answers every call with the challenge in `challenge`. */
let challenger: CapturingUpstream;
let challenge = '';

beforeAll(async () => {
  // The API needs the IdP's issuer, the BFF the API's URL: the server first, its app once the IdP runs.
  const listener = getRequestListener((request) => {
    apiCalls += 1;
    return guarded!.fetch(request);
  });
  api = await startLoopbackServer((req, res) => void listener(req, res));
  challenger = await startUpstream((_request, res) => res.writeHead(401, { 'www-authenticate': challenge }).end('refused'));
  stack = await startStack(() => ({
    orders: { baseUrl: api.url, scopes: ['orders:read', 'orders:write'], resource: ORDERS_RESOURCE },
    challenger: { baseUrl: challenger.url, scopes: ['orders:read'], resource: ORDERS_RESOURCE },
  }));
  origin = stack.bff.origin;
  guarded = new Hono<AccessTokenEnv>()
    .use(requireAccessToken({ issuer: stack.idp.issuer, audience: ORDERS_RESOURCE, typ: 'at+jwt' }))
    .get('/orders', (c) => c.json([]))
    .post('/transfers', requireAcr([MFA_ACR], { maxAge: MAX_AGE }), (c) => c.json({ acr: c.get('token').acr }, 201));
});
afterAll(async () => {
  await stack.close();
  await Promise.all([api.close(), challenger.close()]);
});

const session = async (browser: TestBrowser) =>
  (await browser.fetch(`${origin}/bff/session`, { headers: json })).json() as Promise<Record<string, unknown>>;
/** The session of this (earlier) cookie is over: the IdP's redirect back did not carry it, the login transaction named it. */
const expectEnded = async (cookie: string) => {
  const response = await fetch(`${origin}/bff/session`, { headers: { ...json, cookie: `__Host-cloakroom=${cookie}` } });
  expect(await response.json()).toEqual({ authenticated: false });
};
const transfer = (browser: TestBrowser) => browser.fetch(`${origin}/bff/api/orders/transfers`, { method: 'POST', headers: json });

describe('step-up authentication (RFC 9470) through the BFF', () => {
  it('answers step_up_required with the requirement, keeps the session, and after a sign-in with the second factor the call succeeds', async () => {
    const browser = new TestBrowser();
    const startedAt = Math.floor(Date.now() / 1000);
    await signIn(browser, `${origin}/bff/login`, ALICE);
    const before = await session(browser);
    expect(before).toMatchObject({ authenticated: true, user: { sub: 'alice' }, acr: PASSWORD_ACR, authTime: expect.any(Number) });
    expect(before.authTime).toBeGreaterThanOrEqual(startedAt - 1);
    const firstCookie = browser.cookies(origin).get('__Host-cloakroom')!;

    const grants = { ...stack.idp.counts };
    const calls = apiCalls;
    const refused = await transfer(browser);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get('www-authenticate')).toBeNull();
    expect(await refused.json()).toEqual({
      type: 'https://cloakroom.dev/problems/step_up_required',
      title: 'Stronger sign-in required',
      status: 401,
      code: 'step_up_required',
      detail: 'The API asks for a stronger or more recent sign-in.',
      acr_values: MFA_ACR,
      max_age: MAX_AGE,
    });
    // One call upstream, no refresh and no retry: a new token of the same sign-in would not do.
    expect(apiCalls).toBe(calls + 1);
    expect(stack.idp.counts).toEqual(grants);
    // The session is untouched: signed in, and other calls go through.
    expect(await session(browser)).toEqual(before);
    expect((await browser.fetch(`${origin}/bff/api/orders/orders`, { headers: json })).status).toBe(200);

    // The SPA's login({ acrValues, maxAge, returnTo }): the IdP asks for the one-time code only.
    const steppedUpAt = Math.floor(Date.now() / 1000);
    const login = `${origin}/bff/login?${new URLSearchParams({ returnTo: '/transfer', acr_values: MFA_ACR, max_age: String(MAX_AGE) })}`;
    const { response, visited } = await signIn(browser, login, ALICE);
    expect(response.url).toBe(`${origin}/transfer`);
    expect(visited.some((url) => /\/interaction\/[^/]+\/otp$/.test(url))).toBe(true);
    expect(visited.some((url) => /\/interaction\/[^/]+\/login$/.test(url))).toBe(false);

    const after = await session(browser);
    expect(after).toMatchObject({ authenticated: true, user: { sub: 'alice' }, acr: MFA_ACR });
    expect(after.authTime).toBeGreaterThanOrEqual(steppedUpAt - 1);
    // A new sign-in, so a new session: the one before is over.
    await expectEnded(firstCookie);

    const done = await transfer(browser);
    expect(done.status).toBe(201);
    expect(await done.json()).toEqual({ acr: MFA_ACR });
  });

  it('signs a signed-in user in again with prompt=login and max_age=0, as a new session with a new auth_time', async () => {
    const browser = new TestBrowser();
    await signIn(browser, `${origin}/bff/login`, ALICE);
    const first = await session(browser);
    const firstCookie = browser.cookies(origin).get('__Host-cloakroom')!;

    const { visited } = await signIn(browser, `${origin}/bff/login?prompt=login&max_age=0`, ALICE);
    expect(visited.some((url) => /\/interaction\/[^/]+\/login$/.test(url))).toBe(true);
    const second = await session(browser);
    expect(second).toMatchObject({ authenticated: true, acr: PASSWORD_ACR });
    expect(second.authTime).toBeGreaterThanOrEqual(first.authTime as number);
    expect(browser.cookies(origin).get('__Host-cloakroom')).not.toBe(firstCookie);
    await expectEnded(firstCookie);
  });

  it('reads the challenge of either scheme, and passes on only what is well-formed', async () => {
    const browser = new TestBrowser();
    await signIn(browser, `${origin}/bff/login`, ALICE);
    const call = () => browser.fetch(`${origin}/bff/api/challenger/x`, { headers: json });
    const cases: [string, Record<string, unknown>][] = [
      [
        `DPoP algs="ES256", error="insufficient_user_authentication", acr_values="${MFA_ACR}", max_age=60`,
        { acr_values: MFA_ACR, max_age: 60 },
      ],
      [`Bearer error="insufficient_user_authentication", acr_values="<img src=x> ${MFA_ACR}", max_age="-1"`, { acr_values: MFA_ACR }],
      // A hostile mix: the error in step-up's form, invalid_token only in another parameter's text.
      ['Bearer error="insufficient_user_authentication", x="error=invalid_token"', {}],
    ];
    for (const [header, requirement] of cases) {
      challenge = header;
      const grants = stack.idp.counts.refreshTokenGrants;
      const calls = challenger.requests.length;
      const response = await call();
      expect(response.status).toBe(401);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body.code).toBe('step_up_required');
      expect({ acr_values: body.acr_values, max_age: body.max_age }).toEqual({ acr_values: undefined, max_age: undefined, ...requirement });
      expect(challenger.requests.length).toBe(calls + 1);
      expect(stack.idp.counts.refreshTokenGrants).toBe(grants);
    }

    // Anything else stays the API's own answer, passed on as it is.
    challenge = 'Basic error="insufficient_user_authentication"';
    const other = await call();
    expect(other.status).toBe(401);
    expect(await other.text()).toBe('refused');
  });
});
