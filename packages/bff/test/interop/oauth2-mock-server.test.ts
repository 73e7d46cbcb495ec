import type { IncomingMessage, ServerResponse } from 'node:http';
import { TestBrowser } from '@cloakroom/idp/testing';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { MutableResponse, MutableToken, OAuth2Service, Payload, TokenRequestIncomingMessage } from 'oauth2-mock-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, createBff, type BffConfig } from '../../src/index.js';
import { memoryLogger } from '../memory-logger.js';
import { COOKIE_SECRET, startBff, type RunningBff } from '../stack.js';
import { startUpstream, type CapturedRequest, type CapturingUpstream } from '../upstream.js';
import { isIdToken, startOauth2MockServer, tokenRecorder, type RunningOauth2MockServer } from './mock-idps.js';

// The BFF against oauth2-mock-server (axa-group, 8.2): an OpenID Provider we did not write, which
// approves every authorization request at once and lets a test reshape any token or answer through
// its hooks. It authenticates no client (discovery lists only `none`), so the BFF is a public client
// here; PKCE (S256) is still checked by the provider.

const json = { 'x-csrf': '1', accept: 'application/json' };
const SESSION_COOKIE = '__Host-cloakroom';
const JWT_SHAPE = /eyJ[\w-]+\.eyJ[\w-]+/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Stack {
  idp: RunningOauth2MockServer;
  bff: RunningBff;
  upstream: CapturingUpstream;
  /** Every token value the provider's token endpoint answered. */
  tokens: Set<string>;
  close(): Promise<void>;
}

async function startStack(
  accessTokenLifetime: number,
  bff: Partial<BffConfig>,
  respond?: (request: CapturedRequest, res: ServerResponse, req: IncomingMessage) => void,
): Promise<Stack> {
  const upstream = await startUpstream(respond);
  const idp = await startOauth2MockServer({ accessTokenLifetime });
  const recorder = tokenRecorder(idp.tokenEndpoint);
  const running = await startBff(() => ({
    ...idp.bffSettings,
    cookieSecret: COOKIE_SECRET,
    apis: { echo: { baseUrl: upstream.url } },
    fetch: recorder.fetch,
    ...bff,
  }));
  await running.app.ready();
  return {
    idp,
    bff: running,
    upstream,
    tokens: recorder.tokens,
    async close() {
      await running.close();
      await idp.close();
      await upstream.close();
    },
  };
}

const bearerOf = (request: CapturedRequest | undefined) => request?.headers.authorization?.match(/^Bearer (\S+)$/)?.[1];

describe('oauth2-mock-server: the whole flow through the BFF', () => {
  // Short tokens: refreshed once less than a second of their 3 is left.
  const ACCESS_TOKEN_TTL = 3;
  let stack: Stack;
  let origin: string;
  const browser = new TestBrowser();
  const session = async () => (await browser.fetch(`${origin}/bff/session`, { headers: json })).json();

  beforeAll(async () => {
    stack = await startStack(ACCESS_TOKEN_TTL, { refreshMargin: 1 });
    origin = stack.bff.origin;
  });
  afterAll(() => stack?.close());

  it('publishes a discovery document the BFF accepts only as a public client', async () => {
    const metadata = await (await fetch(`${stack.idp.issuer}/.well-known/openid-configuration`)).json();
    expect(metadata).toMatchObject({
      issuer: stack.idp.issuer,
      token_endpoint_auth_methods_supported: ['none'],
      code_challenge_methods_supported: expect.arrayContaining(['S256']),
      userinfo_endpoint: `${stack.idp.issuer}/userinfo`,
      revocation_endpoint: `${stack.idp.issuer}/revoke`,
      end_session_endpoint: `${stack.idp.issuer}/endsession`,
    });
    expect(metadata).not.toHaveProperty('scopes_supported');
    expect(metadata).not.toHaveProperty('pushed_authorization_request_endpoint');

    // The BFF's default, client_secret_basic, is refused at discovery with a ConfigError naming it.
    const confidential = createBff({
      ...stack.idp.bffSettings,
      baseUrl: origin,
      clientAuthentication: 'client_secret_basic',
      clientSecret: 'a-secret-this-provider-never-asks-for',
      cookieSecret: COOKIE_SECRET,
      logger: memoryLogger(),
    });
    const refused = await confidential.ready().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused).toMatchObject({ field: 'clientAuthentication' });
    expect(String((refused as Error).message)).toContain('none');
  });

  it('signs in via /bff/login?returnTo=/x, lands on /x, and /bff/session shows the user', async () => {
    const response = await stack.idp.signIn(browser, `${origin}/bff/login?returnTo=/x`);
    expect(response.visited.at(-1)).toBe(`${origin}/x`);
    expect(response.visited).toContainEqual(expect.stringMatching(new RegExp(`^${origin}/bff/callback\\?`)));
    expect(stack.idp.counts.authorizationCodeGrants).toBe(1);
    expect(browser.cookies(origin).has(SESSION_COOKIE)).toBe(true);

    const body = await session();
    expect(body).toMatchObject({ authenticated: true, user: { sub: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' } });
    expect(JSON.stringify(body)).not.toMatch(JWT_SHAPE);
    for (const token of stack.tokens) expect(JSON.stringify(body)).not.toContain(token);
  });

  let firstToken = '';
  it('proxies /bff/api/echo/… with the access token the provider issued, valid against its JWKS', async () => {
    const response = await browser.fetch(`${origin}/bff/api/echo/orders?status=open`, { headers: json });
    expect(response.status).toBe(200);
    const seen = stack.upstream.requests.at(-1);
    expect(seen?.url).toBe('/orders?status=open');
    expect(seen?.headers).not.toHaveProperty('cookie');
    firstToken = bearerOf(seen) ?? '';
    expect(stack.tokens).toContain(firstToken);
    const { payload } = await jwtVerify(firstToken, createRemoteJWKSet(new URL(stack.idp.jwksUri)), {
      issuer: stack.idp.issuer,
      algorithms: ['RS256'],
    });
    expect(payload.sub).toBe('ada');
    expect(payload.exp! - payload.iat!).toBe(ACCESS_TOKEN_TTL);
  });

  it('refreshes the expiring access token: the upstream gets a new one from the provider', async () => {
    expect(firstToken).not.toBe('');
    const grants = stack.idp.counts.refreshTokenGrants;
    await sleep((ACCESS_TOKEN_TTL - 1) * 1000 + 300);
    const response = await browser.fetch(`${origin}/bff/api/echo/orders`, { headers: json });
    expect(response.status).toBe(200);
    const token = bearerOf(stack.upstream.requests.at(-1)) ?? '';
    expect(token).not.toBe(firstToken);
    expect(stack.tokens).toContain(token);
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(stack.idp.jwksUri)), {
      issuer: stack.idp.issuer,
      algorithms: ['RS256'],
    });
    expect(payload.sub).toBe('ada');
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
    expect(await session()).toMatchObject({ authenticated: true, user: { sub: 'ada' } });
  });

  it('signs out: 200 with the end-session URL, revokes the refresh token, and the session is gone', async () => {
    const cookie = browser.cookies(origin).get(SESSION_COOKIE);
    expect(cookie).toBeTruthy();
    const response = await browser.fetch(`${origin}/bff/logout?returnTo=/bye`, { method: 'POST', headers: json });
    expect(response.status).toBe(200);
    const { endSessionUrl } = (await response.json()) as { endSessionUrl: string | null };
    const url = new URL(endSessionUrl ?? 'null:');
    expect(`${url.origin}${url.pathname}`).toBe(`${stack.idp.issuer}/endsession`);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${origin}/bff/logout/callback`);
    expect(url.searchParams.get('client_id')).toBe(stack.idp.clientId);
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(endSessionUrl).not.toMatch(JWT_SHAPE);
    expect(stack.idp.counts.revocations).toBe(1);

    expect(await session()).toEqual({ authenticated: false });
    const replayed = await fetch(`${origin}/bff/api/echo/orders`, { headers: { ...json, cookie: `${SESSION_COOKIE}=${cookie}` } });
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ code: 'login_required' });

    // The provider's end-session endpoint sends the browser back through the BFF to returnTo.
    const back = await browser.follow(endSessionUrl!, { initiator: origin });
    expect(back.visited.at(-1)).toBe(`${origin}/bye`);
  });

  it('never wrote a token value to its log', () => {
    const log = stack.bff.logger.text();
    expect(log).toContain('signed in');
    // At least two token responses (sign-in, one refresh), each with an access, ID and refresh token.
    expect(stack.tokens.size).toBeGreaterThanOrEqual(6);
    for (const token of stack.tokens) expect(log).not.toContain(token);
    expect(log).not.toMatch(JWT_SHAPE);
  });
});

describe('bad IdP answers', () => {
  // Tokens of 2 seconds, refreshed once less than half a second is left: after 1.5 s.
  const ACCESS_TOKEN_TTL = 2;
  const UNTIL_REFRESH_MS = 1_700;
  let stack: Stack;
  let origin: string;
  /** When set, the upstream refuses every token as RFC 6750 says an API refuses an invalid one. */
  let upstreamRefusesTokens = false;
  const removeHooks: (() => void)[] = [];

  beforeAll(async () => {
    stack = await startStack(ACCESS_TOKEN_TTL, { refreshMargin: 0.5 }, (_request, res) => {
      if (upstreamRefusesTokens) res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    origin = stack.bff.origin;
  });
  afterAll(() => stack?.close());
  afterEach(() => {
    for (const remove of removeHooks.splice(0)) remove();
    upstreamRefusesTokens = false;
    if (stack) stack.idp.accessTokenLifetime = ACCESS_TOKEN_TTL;
  });

  /** Registers a listener on the provider's service for this test only. */
  function hook(event: 'beforeResponse', listener: (response: MutableResponse, req: TokenRequestIncomingMessage) => void): void;
  function hook(event: 'beforeTokenSigning', listener: (token: MutableToken, req: TokenRequestIncomingMessage) => void): void;
  function hook(event: string, listener: Parameters<OAuth2Service['on']>[1]): void {
    stack.idp.service.on(event, listener);
    removeHooks.push(() => stack.idp.service.off(event, listener));
  }
  /** Rewrites the token endpoint's answers to one grant type. */
  const answerTo = (grantType: string, rewrite: (response: MutableResponse, req: TokenRequestIncomingMessage) => void) =>
    hook('beforeResponse', (response, req) => {
      if (req.body.grant_type === grantType) rewrite(response, req);
    });
  /** Rewrites the claims of the ID tokens issued for one grant type. */
  const idTokenOf = (grantType: string, rewrite: (payload: Payload) => void) =>
    hook('beforeTokenSigning', (token, req) => {
      if (req.body.grant_type === grantType && isIdToken(token)) rewrite(token.payload);
    });

  /** A browser signed in through the provider; `mark` is where this test's log lines begin. */
  async function signedIn() {
    const browser = new TestBrowser();
    const response = await stack.idp.signIn(browser, `${origin}/bff/login?returnTo=/x`);
    expect(response.visited.at(-1)).toBe(`${origin}/x`);
    return { browser, mark: stack.bff.logger.lines.length };
  }
  /** Signed in, and the access token is now due for a refresh. */
  async function signedInNeedingRefresh() {
    const signed = await signedIn();
    await sleep(UNTIL_REFRESH_MS);
    return signed;
  }
  const callApi = (browser: TestBrowser) => browser.fetch(`${origin}/bff/api/echo/orders`, { headers: json });
  const isSignedIn = async (browser: TestBrowser) =>
    ((await (await browser.fetch(`${origin}/bff/session`, { headers: json })).json()) as { authenticated: boolean }).authenticated;
  const problemOf = async (response: Response) => {
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    return (await response.json()) as { code: string; status: number };
  };
  /** This test's log lines, after checking that they hold no token, cookie or JWT. */
  function logSince(mark: number, browser: TestBrowser): string[] {
    const lines = stack.bff.logger.lines.slice(mark);
    const text = lines.join('\n');
    for (const token of stack.tokens) expect(text).not.toContain(token);
    const cookie = browser.cookies(origin).get(SESSION_COOKIE);
    if (cookie) expect(text).not.toContain(cookie);
    expect(text).not.toMatch(JWT_SHAPE);
    return lines;
  }
  /** Lines other than the per-request access log line. */
  const causeLines = (lines: string[]) => lines.filter((line) => (JSON.parse(line) as { message?: string }).message !== 'request');

  it('(a) refresh answered 400 invalid_grant → 401 session_expired, and the session ends', async () => {
    const { browser, mark } = await signedInNeedingRefresh();
    answerTo('refresh_token', (response) => {
      response.statusCode = 400;
      response.body = { error: 'invalid_grant', error_description: 'refresh token revoked' };
    });
    const response = await callApi(browser);
    expect(response.status).toBe(401);
    expect((await problemOf(response)).code).toBe('session_expired');
    expect(response.headers.getSetCookie().join('\n')).toMatch(new RegExp(`${SESSION_COOKIE}=; Max-Age=0`));
    expect(await isSignedIn(browser)).toBe(false);
    expect(causeLines(logSince(mark, browser))).toContainEqual(expect.stringContaining('invalid_grant'));
  });

  it('(b) refresh answered 401 invalid_client → 502 idp_rejected, the session is kept, the log says why', async () => {
    const { browser, mark } = await signedInNeedingRefresh();
    const description = 'client authentication failed (secret rotated at the IdP)';
    answerTo('refresh_token', (response) => {
      response.statusCode = 401;
      response.body = { error: 'invalid_client', error_description: description };
    });
    const response = await callApi(browser);
    expect(response.status).toBe(502);
    expect((await problemOf(response)).code).toBe('idp_rejected');
    expect(response.headers.getSetCookie().join('\n')).not.toMatch(new RegExp(`${SESSION_COOKIE}=;`));
    expect(await isSignedIn(browser)).toBe(true);
    const lines = causeLines(logSince(mark, browser));
    expect(lines.filter((line) => line.includes('invalid_client') && line.includes(description))).toHaveLength(1);
  });

  it('(b′) the same 401 invalid_client with the WWW-Authenticate challenge RFC 6749 §5.2 requires → 502 idp_rejected, the log says why', async () => {
    const { browser, mark } = await signedInNeedingRefresh();
    const description = 'client authentication failed (unknown client)';
    answerTo('refresh_token', (response, req) => {
      response.statusCode = 401;
      response.body = { error: 'invalid_client', error_description: description };
      // Express gives each request its response: the hook may add the header a real IdP sends.
      (req as TokenRequestIncomingMessage & { res: ServerResponse }).res.setHeader('WWW-Authenticate', 'Basic realm="oauth2-mock-server"');
    });
    const response = await callApi(browser);
    expect(response.status).toBe(502);
    expect((await problemOf(response)).code).toBe('idp_rejected');
    expect(await isSignedIn(browser)).toBe(true);
    const lines = causeLines(logSince(mark, browser));
    expect(lines.filter((line) => line.includes('invalid_client') && line.includes(description))).toHaveLength(1);
  });

  it('(c) refresh answered HTTP 500 → 503 idp_unavailable with one Retry-After, the session is kept', async () => {
    const { browser, mark } = await signedInNeedingRefresh();
    answerTo('refresh_token', (response) => {
      response.statusCode = 500;
      response.body = { error: 'server_error' };
    });
    const response = await callApi(browser);
    expect(response.status).toBe(503);
    expect((await problemOf(response)).code).toBe('idp_unavailable');
    // Headers.get joins repeated headers with ", ": one plain number means exactly one header.
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await isSignedIn(browser)).toBe(true);
    expect(causeLines(logSince(mark, browser))).toContainEqual(expect.stringMatching(/"status":500\b/));
  });

  it('(d) a refreshed ID token for another audience → 502 idp_rejected, the session is kept', async () => {
    const { browser, mark } = await signedInNeedingRefresh();
    idTokenOf('refresh_token', (payload) => {
      payload.aud = 'another-client';
    });
    const response = await callApi(browser);
    expect(response.status).toBe(502);
    expect((await problemOf(response)).code).toBe('idp_rejected');
    expect(await isSignedIn(browser)).toBe(true);
    expect(causeLines(logSince(mark, browser))).toContainEqual(expect.stringMatching(/\baud\b(?!":)|audience/));
  });

  it('(e) a refreshed ID token from another issuer → 502 idp_rejected, the session is kept', async () => {
    const { browser, mark } = await signedInNeedingRefresh();
    idTokenOf('refresh_token', (payload) => {
      payload.iss = 'http://127.0.0.1:1/another-issuer';
    });
    const response = await callApi(browser);
    expect(response.status).toBe(502);
    expect((await problemOf(response)).code).toBe('idp_rejected');
    expect(await isSignedIn(browser)).toBe(true);
    expect(causeLines(logSince(mark, browser))).toContainEqual(expect.stringMatching(/\biss\b(?!":)/));
  });

  it('(f) a refreshed ID token about another user → 502 idp_rejected, the session is kept', async () => {
    const { browser, mark } = await signedInNeedingRefresh();
    idTokenOf('refresh_token', (payload) => {
      payload.sub = 'mallory';
    });
    const response = await callApi(browser);
    expect(response.status).toBe(502);
    expect((await problemOf(response)).code).toBe('idp_rejected');
    expect(await isSignedIn(browser)).toBe(true);
    expect(causeLines(logSince(mark, browser))).toContainEqual(expect.stringMatching(/\bsub\b(?!":)/));
    // The session is still Ada's.
    const body = await (await browser.fetch(`${origin}/bff/session`, { headers: json })).json();
    expect(body).toMatchObject({ user: { sub: 'ada' } });
  });

  it('(g) an ID token issued an hour in the future at sign-in → the callback refuses it, no session', async () => {
    idTokenOf('authorization_code', (payload) => {
      const now = Math.floor(Date.now() / 1000);
      payload.iat = now + 3600;
      payload.exp = now + 7200;
    });
    const browser = new TestBrowser();
    const mark = stack.bff.logger.lines.length;
    const response = await stack.idp.signIn(browser, `${origin}/bff/login?returnTo=/x`);
    expect(response.visited.at(-2)).toMatch(new RegExp(`^${origin}/bff/callback\\?`));
    expect(response.visited.at(-1)).toBe(`${origin}/?cloakroom_error=invalid_callback`);
    expect(browser.cookies(origin).has(SESSION_COOKIE)).toBe(false);
    expect(await isSignedIn(browser)).toBe(false);
    expect(causeLines(logSince(mark, browser))).toContainEqual(expect.stringMatching(/\biat\b/));
  });

  it('(h) an upstream that refuses every token, and a refresh that gives the same one back → one refresh, one retry, the 401', async () => {
    // A long-lived token: the only refresh is the one the upstream's refusal asks for.
    stack.idp.accessTokenLifetime = 3600;
    let issued: unknown;
    answerTo('authorization_code', (response) => {
      if (response.body !== '') issued = response.body.access_token;
    });
    answerTo('refresh_token', (response) => {
      if (response.body !== '') response.body.access_token = issued;
    });
    const { browser } = await signedIn();
    upstreamRefusesTokens = true;
    const grants = stack.idp.counts.refreshTokenGrants;
    const calls = stack.upstream.requests.length;

    const response = await callApi(browser);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/invalid_token/);
    const grantsMade = stack.idp.counts.refreshTokenGrants - grants;
    const upstreamCalls = stack.upstream.requests.slice(calls);
    expect(grantsMade).toBeLessThanOrEqual(1);
    expect(upstreamCalls.length).toBeGreaterThanOrEqual(1);
    expect(upstreamCalls.length).toBeLessThanOrEqual(2);
    for (const call of upstreamCalls) expect(bearerOf(call)).toBe(issued);
    expect(await isSignedIn(browser)).toBe(true);
  });

  it('(i) the client refused at the code exchange (401 invalid_client, as for a wrong secret) → the callback lands in the app with idp_rejected', async () => {
    // oauth2-mock-server checks no client secret (and lists only `none` in its discovery document, so
    // the BFF sends none): the refusal a wrong secret would meet is made by the hook.
    answerTo('authorization_code', (response) => {
      response.statusCode = 401;
      response.body = { error: 'invalid_client', error_description: 'client authentication failed' };
    });
    const browser = new TestBrowser();
    const mark = stack.bff.logger.lines.length;
    const response = await stack.idp.signIn(browser, `${origin}/bff/login?returnTo=/x`);
    expect(response.visited.at(-2)).toMatch(new RegExp(`^${origin}/bff/callback\\?`));
    expect(response.visited.at(-1)).toBe(`${origin}/?cloakroom_error=idp_rejected`);
    expect(await isSignedIn(browser)).toBe(false);
    expect(causeLines(logSince(mark, browser))).toContainEqual(expect.stringContaining('invalid_client'));
  });
});

describe('userinfo: true', () => {
  let stack: Stack;
  let userinfo: Record<string, unknown>;

  beforeAll(async () => {
    stack = await startStack(60, { userinfo: true });
    stack.idp.service.on('beforeUserinfo', (response: MutableResponse) => {
      response.body = userinfo;
    });
  });
  afterAll(() => stack?.close());

  async function signIn() {
    const browser = new TestBrowser();
    const response = await stack.idp.signIn(browser, `${stack.bff.origin}/bff/login?returnTo=/x`);
    const session = (await (await browser.fetch(`${stack.bff.origin}/bff/session`, { headers: json })).json()) as Record<string, unknown>;
    return { response, session };
  }

  it('merges the claims of the userinfo endpoint into the session, leaving out its protocol claims', async () => {
    userinfo = { sub: 'ada', locale: 'en-GB', name: 'Ada, Countess of Lovelace', scope: 'openid profile' };
    const { response, session } = await signIn();
    expect(response.visited.at(-1)).toBe(`${stack.bff.origin}/x`);
    expect(session).toMatchObject({
      authenticated: true,
      user: { sub: 'ada', locale: 'en-GB', name: 'Ada, Countess of Lovelace', email: 'ada@example.com' },
    });
    expect(session.user).not.toHaveProperty('scope');
  });

  it('refuses the sign-in (idp_rejected) when userinfo names another user than the ID token', async () => {
    userinfo = { sub: 'mallory', name: 'Mallory' };
    const mark = stack.bff.logger.lines.length;
    const { response, session } = await signIn();
    expect(response.visited.at(-2)).toMatch(new RegExp(`^${stack.bff.origin}/bff/callback\\?`));
    expect(response.visited.at(-1)).toBe(`${stack.bff.origin}/?cloakroom_error=idp_rejected`);
    expect(session).toEqual({ authenticated: false });
    expect(stack.bff.logger.lines.slice(mark).map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({
        message: 'identity provider request failed',
        operation: 'userinfo',
        endpoint: `${stack.idp.issuer}/userinfo`,
      }),
    );
  });
});
