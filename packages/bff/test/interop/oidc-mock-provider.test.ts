import { TestBrowser } from '@cloakroom/idp/testing';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COOKIE_SECRET, startBff, type RunningBff } from '../stack.js';
import { startUpstream, type CapturedRequest, type CapturingUpstream } from '../upstream.js';
import { startMongoOidcMock, tokenRecorder, type RunningMongoOidcMock } from './mock-idps.js';

// The BFF against @mongodb-js/oidc-mock-provider (0.13): MongoDB's test OpenID Provider, which we
// did not write. It approves every authorization request at once, checks PKCE (S256) and nothing
// else, and publishes a minimal discovery document: no userinfo, revocation, end-session or PAR
// endpoint, no scopes_supported, no token_endpoint_auth_methods_supported (so the BFF keeps its
// default client_secret_basic, with a secret the provider never checks). It has no refresh-token
// grant: the harness adds one (see RunningMongoOidcMock.refreshTokenGrant), and one test shows what
// the BFF does with the provider's own answer.

const json = { 'x-csrf': '1', accept: 'application/json' };
const SESSION_COOKIE = '__Host-cloakroom';
const JWT_SHAPE = /eyJ[\w-]+\.eyJ[\w-]+/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const bearerOf = (request: CapturedRequest | undefined) => request?.headers.authorization?.match(/^Bearer (\S+)$/)?.[1];

describe('@mongodb-js/oidc-mock-provider: the whole flow through the BFF', () => {
  // Short tokens: refreshed once less than a second of their 3 is left.
  const ACCESS_TOKEN_TTL = 3;
  const UNTIL_REFRESH_MS = (ACCESS_TOKEN_TTL - 1) * 1000 + 300;
  let idp: RunningMongoOidcMock;
  let upstream: CapturingUpstream;
  let bff: RunningBff;
  let tokens: Set<string>;
  let origin: string;
  const browser = new TestBrowser();
  const session = async () => (await browser.fetch(`${origin}/bff/session`, { headers: json })).json();
  const callApi = (path = '/orders') => browser.fetch(`${origin}/bff/api/echo${path}`, { headers: json });
  const verify = (token: string) =>
    jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), { issuer: idp.issuer, algorithms: ['RS256'] });

  beforeAll(async () => {
    upstream = await startUpstream();
    idp = await startMongoOidcMock({ accessTokenLifetime: ACCESS_TOKEN_TTL });
    const recorder = tokenRecorder(idp.tokenEndpoint);
    tokens = recorder.tokens;
    bff = await startBff(() => ({
      ...idp.bffSettings,
      cookieSecret: COOKIE_SECRET,
      apis: { echo: { baseUrl: upstream.url } },
      fetch: recorder.fetch,
      refreshMargin: 1,
    }));
    origin = bff.origin;
    // Discovery passes the BFF's checks (code flow, S256, client_secret_basic by default, RS256 keys).
    await bff.app.ready();
  });
  afterAll(async () => {
    await bff?.close();
    await idp?.close();
    await upstream?.close();
  });

  it('publishes a minimal discovery document', async () => {
    const metadata = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(Object.keys(metadata).sort()).toEqual([
      'authorization_endpoint',
      'device_authorization_endpoint',
      'issuer',
      'jwks_uri',
      'token_endpoint',
    ]);
    expect(metadata.issuer).toBe(idp.issuer);
  });

  it('signs in via /bff/login?returnTo=/x, lands on /x, and /bff/session shows the user', async () => {
    const response = await idp.signIn(browser, `${origin}/bff/login?returnTo=/x`);
    expect(response.visited.at(-1)).toBe(`${origin}/x`);
    expect(response.visited).toContainEqual(expect.stringMatching(new RegExp(`^${origin}/bff/callback\\?`)));
    expect(idp.counts.authorizationCodeGrants).toBe(1);
    expect(browser.cookies(origin).has(SESSION_COOKIE)).toBe(true);

    const body = await session();
    expect(body).toMatchObject({ authenticated: true, user: { sub: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' } });
    expect(JSON.stringify(body)).not.toMatch(JWT_SHAPE);
    for (const token of tokens) expect(JSON.stringify(body)).not.toContain(token);
  });

  let firstToken = '';
  it('proxies /bff/api/echo/… with the access token the provider issued, valid against its JWKS', async () => {
    const response = await callApi('/orders?status=open');
    expect(response.status).toBe(200);
    const seen = upstream.requests.at(-1);
    expect(seen?.url).toBe('/orders?status=open');
    expect(seen?.headers).not.toHaveProperty('cookie');
    firstToken = bearerOf(seen) ?? '';
    expect(tokens).toContain(firstToken);
    const { payload } = await verify(firstToken);
    expect(payload).toMatchObject({ sub: 'ada', client_id: idp.clientId });
    expect(payload.exp! - payload.iat!).toBe(ACCESS_TOKEN_TTL);
  });

  it('refreshes the expiring access token: the upstream gets a new one from the provider', async () => {
    expect(firstToken).not.toBe('');
    const grants = idp.counts.refreshTokenGrants;
    await sleep(UNTIL_REFRESH_MS);
    const response = await callApi();
    expect(response.status).toBe(200);
    const token = bearerOf(upstream.requests.at(-1)) ?? '';
    expect(token).not.toBe(firstToken);
    expect(tokens).toContain(token);
    expect((await verify(token)).payload.sub).toBe('ada');
    expect(idp.counts.refreshTokenGrants).toBe(grants + 1);
    expect(await session()).toMatchObject({ authenticated: true, user: { sub: 'ada' } });
  });

  it("answers 503 idp_unavailable to the provider's own (500) answer to a refresh, keeps the session, and recovers", async () => {
    idp.refreshTokenGrant = false;
    const mark = bff.logger.lines.length;
    try {
      await sleep(UNTIL_REFRESH_MS);
      const response = await callApi();
      expect(response.status).toBe(503);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ code: 'idp_unavailable' });
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await session()).toMatchObject({ authenticated: true });
      expect(bff.logger.lines.slice(mark)).toContainEqual(expect.stringMatching(/"status":500\b/));
    } finally {
      idp.refreshTokenGrant = true;
    }
    // The provider did not spend the refresh token on its failure: the next call refreshes.
    const again = await callApi();
    expect(again.status).toBe(200);
    expect(tokens).toContain(bearerOf(upstream.requests.at(-1)));
  });

  it('signs out: 200 with no end-session URL (the provider has none), and the session is gone', async () => {
    const cookie = browser.cookies(origin).get(SESSION_COOKIE);
    expect(cookie).toBeTruthy();
    const response = await browser.fetch(`${origin}/bff/logout?returnTo=/bye`, { method: 'POST', headers: json });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ endSessionUrl: null });
    expect(response.headers.getSetCookie().join('\n')).toMatch(new RegExp(`${SESSION_COOKIE}=; Max-Age=0`));

    expect(await session()).toEqual({ authenticated: false });
    const replayed = await fetch(`${origin}/bff/api/echo/orders`, { headers: { ...json, cookie: `${SESSION_COOKIE}=${cookie}` } });
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ code: 'login_required' });
    // Nothing to revoke at, nothing but the endpoints it advertises was asked.
    expect([...new Set(idp.paths)].sort()).toEqual(['/.well-known/openid-configuration', '/authorize', '/jwks', '/token']);
  });

  it('never wrote a token value to its log', () => {
    const log = bff.logger.text();
    expect(log).toContain('signed in');
    // At least sign-in and two refreshes, each with an access, ID and refresh token.
    expect(tokens.size).toBeGreaterThanOrEqual(9);
    for (const token of tokens) expect(log).not.toContain(token);
    expect(log).not.toMatch(JWT_SHAPE);
  });
});
