import { TestBrowser } from '@cloakroom/idp/testing';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../../src/index.js';
import { COOKIE_SECRET, startBff, type RunningBff } from '../stack.js';
import { startUpstream, type CapturingUpstream } from '../upstream.js';
import { startGlewlwyd, type RunningGlewlwyd } from './glewlwyd.js';

/*
 * The whole BFF flow against glewlwyd 2.7, a production OpenID Provider packaged by Debian, configured
 * through its admin API only: sign-in, session, a proxied call with a token glewlwyd signed, refresh
 * on expiry, logout with revocation, and no token in the BFF's log.
 */

/**
 * Access-token lifetime in seconds (glewlwyd gives ID tokens the same). The BFF refreshes in the last
 * half of it, so a loaded machine has 3 s to sign in and make the first call with the first token.
 */
const ACCESS_TOKEN_LIFETIME = 6;
const json = { 'x-csrf': '1', accept: 'application/json' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let glewlwyd: RunningGlewlwyd | undefined;
let bff: RunningBff | undefined;
let upstream: CapturingUpstream | undefined;
const store = new MemorySessionStore();
/** Access tokens the upstream refuses with `401 invalid_token` (the BFF then refreshes at once). */
const refusedTokens = new Set<string>();
/** Every token value seen (upstream, session store), to prove that none reached the BFF's log. */
const tokensSeen = new Set<string>();

beforeAll(async () => {
  upstream = await startUpstream((request, res) => {
    if (refusedTokens.has(request.headers.authorization?.slice('Bearer '.length) ?? '')) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: request.url }));
  });
  const echo = upstream.url;
  let startError: unknown;
  bff = await startBff(async (origin) => {
    try {
      glewlwyd = await startGlewlwyd({ bffOrigin: origin, accessTokenLifetime: ACCESS_TOKEN_LIFETIME });
    } catch (error) {
      startError = error; // rethrown below, once the BFF's server is ours to close
    }
    return {
      issuer: glewlwyd?.issuer ?? 'http://127.0.0.1:9/not-started',
      clientId: glewlwyd?.clientId ?? 'not-started',
      clientSecret: glewlwyd?.clientSecret ?? 'not-started',
      cookieSecret: COOKIE_SECRET,
      session: { store },
      apis: { echo: { baseUrl: echo } },
    };
  });
  if (startError !== undefined) throw startError as Error;
});

afterAll(async () => {
  await bff?.close();
  await glewlwyd?.close();
  await upstream?.close();
});

function started() {
  if (!glewlwyd || !bff || !upstream) throw new Error('the BFF, glewlwyd or the upstream did not start');
  return { glewlwyd, bff, upstream, origin: bff.origin };
}

/** The session as the store holds it, its tokens remembered for the log check. */
async function stored(id: string) {
  const session = await store.get(id);
  for (const token of [session?.idToken, session?.refreshToken, ...Object.values(session?.accessTokens ?? {}).map(({ value }) => value)]) {
    if (token) tokensSeen.add(token);
  }
  return session;
}

/** The bearer tokens the upstream received, in order. */
function bearerTokens(): string[] {
  return started().upstream.requests.map(({ headers }) => {
    expect(headers.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const token = headers.authorization!.slice('Bearer '.length);
    tokensSeen.add(token);
    return token;
  });
}

/** Calls one of glewlwyd's client-authenticated endpoints as the BFF's client. */
function asClient(endpoint: 'revoke' | 'introspect', parameters: Record<string, string>) {
  const { glewlwyd } = started();
  return fetch(`${glewlwyd.issuer}/${endpoint}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${glewlwyd.clientId}:${glewlwyd.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams(parameters),
  });
}

describe('the BFF with glewlwyd (Debian package) as its OpenID Provider', () => {
  let browser: TestBrowser;
  let sessionId: string;
  let sub: string;

  it('reads what glewlwyd advertises in its discovery document', async () => {
    const { glewlwyd } = started();
    const response = await fetch(`${glewlwyd.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: glewlwyd.issuer,
      authorization_endpoint: `${glewlwyd.issuer}/auth`,
      token_endpoint: `${glewlwyd.issuer}/token`,
      userinfo_endpoint: `${glewlwyd.issuer}/userinfo`,
      jwks_uri: glewlwyd.jwksUri,
      revocation_endpoint: `${glewlwyd.issuer}/revoke`,
      end_session_endpoint: `${glewlwyd.issuer}/end_session`,
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      code_challenge_methods_supported: ['S256'],
      subject_types_supported: ['public'],
    });
    expect(metadata.id_token_signing_alg_values_supported).toContain('RS256');
    // PAR is off in this configuration (oauth-par-allowed), so the BFF's default 'auto' does not use it.
    expect(metadata).not.toHaveProperty('pushed_authorization_request_endpoint');
  });

  it('signs in through glewlwyd and lands on returnTo with a session showing the user, never a token', async () => {
    const { glewlwyd, origin } = started();
    browser = new TestBrowser();
    const landing = await glewlwyd.signIn(browser, `${origin}/bff/login?returnTo=/x`);
    expect(landing.url).toBe(`${origin}/x`);
    const authorize = new URL(landing.visited.find((url) => url.startsWith(`${glewlwyd.issuer}/auth`))!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('scope')!.split(' ').sort()).toEqual(['email', 'offline_access', 'openid', 'profile']);

    const response = await browser.fetch(`${origin}/bff/session`, { headers: json });
    expect(response.status).toBe(200);
    const session = (await response.json()) as { authenticated: boolean; user: { sub: string } };
    expect(session).toMatchObject({ authenticated: true, user: { name: glewlwyd.user.name, email: glewlwyd.user.email } });
    // glewlwyd's subject (secret-type "public") is an opaque, stable id, not the username.
    expect(session.user.sub).toMatch(/^\w{16,}$/);
    expect(JSON.stringify(session)).not.toMatch(/eyJ|token/i);
    sub = session.user.sub;

    const ids = await store.idsBySub(sub);
    expect(ids).toHaveLength(1);
    sessionId = ids[0]!;
    const held = await stored(sessionId);
    expect(held?.refreshToken).toBeTruthy();
    // Checked at sign-in (signature, iss, aud, …) and not kept: the default logout sends no id_token_hint.
    expect(held!.idToken).toBeUndefined();
  });

  it("proxies with a bearer token that verifies against glewlwyd's JWKS", async () => {
    const { glewlwyd, upstream, origin } = started();
    const response = await browser.fetch(`${origin}/bff/api/echo/things?id=1`, { headers: json });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ path: '/things?id=1' });
    expect(upstream.requests).toHaveLength(1);
    const [token] = bearerTokens();
    const { payload, protectedHeader } = await jwtVerify(token!, createRemoteJWKSet(new URL(glewlwyd.jwksUri)), {
      issuer: glewlwyd.issuer,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ sub, client_id: glewlwyd.clientId, type: 'access_token' });
    expect(String(payload.scope).split(' ')).toEqual(expect.arrayContaining(['openid', 'profile', 'email']));
  });

  it('refreshes the expired access token at glewlwyd and sends the new one upstream', async () => {
    const { glewlwyd, upstream, origin } = started();
    const [first] = bearerTokens();
    const refreshTokenBefore = (await stored(sessionId))?.refreshToken;
    // Past the first token's expiry: the BFF has to refresh before it calls the upstream.
    await sleep(decodeJwt(first!).exp! * 1000 - Date.now() + 1_100);

    const response = await browser.fetch(`${origin}/bff/api/echo/again`, { headers: json });
    expect(response.status).toBe(200);
    expect(upstream.requests).toHaveLength(2);
    const second = bearerTokens()[1]!;
    expect(second).not.toBe(first);
    const { payload } = await jwtVerify(second, createRemoteJWKSet(new URL(glewlwyd.jwksUri)), { issuer: glewlwyd.issuer });
    expect(payload.sub).toBe(sub);
    expect(payload.exp! * 1000).toBeGreaterThan(Date.now());

    // glewlwyd rotates refresh tokens here (refresh-token-one-use "always"): the session holds the new one.
    const refreshTokenAfter = (await stored(sessionId))?.refreshToken;
    expect(refreshTokenAfter).toBeTruthy();
    expect(refreshTokenAfter).not.toBe(refreshTokenBefore);
    const session = await browser.fetch(`${origin}/bff/session`, { headers: json });
    expect(await session.json()).toMatchObject({ authenticated: true, user: { sub } });
  });

  it('ends the session with 401 session_expired when glewlwyd refuses a revoked refresh token with a bare 400', async () => {
    // glewlwyd answers a refresh with an unknown, expired or revoked refresh token with `400` and an
    // empty body, not RFC 6749 §5.2's `{"error":"invalid_grant"}`; the BFF reads it the same way.
    const { glewlwyd, origin } = started();
    const other = new TestBrowser();
    expect((await glewlwyd.signIn(other, `${origin}/bff/login?returnTo=/y`)).url).toBe(`${origin}/y`);
    const otherId = (await store.idsBySub(sub)).find((id) => id !== sessionId)!;
    const held = (await stored(otherId))!;
    expect((await asClient('revoke', { token: held.refreshToken!, token_type_hint: 'refresh_token' })).status).toBe(200);
    // The upstream refuses the current access token: the BFF refreshes at once, and glewlwyd says no.
    refusedTokens.add(held.accessTokens['']!.value);

    const response = await other.fetch(`${origin}/bff/api/echo/revoked`, { headers: json });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'session_expired' });
    const session = await other.fetch(`${origin}/bff/session`, { headers: json });
    expect(await session.json()).toEqual({ authenticated: false });
    expect(await stored(otherId)).toBeUndefined();
  });

  it("logs out: revokes the refresh token at glewlwyd, answers glewlwyd's end-session URL and ends the session", async () => {
    const { glewlwyd, origin } = started();
    const refreshToken = (await stored(sessionId))?.refreshToken;
    expect(refreshToken).toBeTruthy();
    const before = await asClient('introspect', { token: refreshToken!, token_type_hint: 'refresh_token' });
    expect(await before.json()).toMatchObject({ active: true, token_type: 'refresh_token', sub });

    const response = await browser.fetch(`${origin}/bff/logout`, { method: 'POST', headers: json });
    expect(response.status).toBe(200);
    const { endSessionUrl } = (await response.json()) as { endSessionUrl: string | null };
    expect(endSessionUrl).not.toBeNull();
    const endSession = new URL(endSessionUrl!);
    expect(`${endSession.origin}${endSession.pathname}`).toBe(`${glewlwyd.issuer}/end_session`);
    expect(endSession.searchParams.get('client_id')).toBe(glewlwyd.clientId);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${origin}/bff/logout/callback`);
    expect(endSession.searchParams.get('state')).toBeTruthy();
    // No token in a URL that passes through the browser (the BFF's default, logoutIdTokenHint off).
    expect(endSession.searchParams.has('id_token_hint')).toBe(false);

    const session = await browser.fetch(`${origin}/bff/session`, { headers: json });
    expect(await session.json()).toEqual({ authenticated: false });
    expect(await store.get(sessionId)).toBeUndefined();

    // The revocation (RFC 7009) reached glewlwyd: the refresh token is no longer active there.
    const after = await asClient('introspect', { token: refreshToken!, token_type_hint: 'refresh_token' });
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ active: false });
  });

  it('never wrote an access, refresh or ID token to the log', () => {
    const { bff } = started();
    bearerTokens();
    // Two access tokens upstream, three refresh tokens (one rotated, one revoked session); ID tokens
    // are not kept in sessions.
    expect(tokensSeen.size).toBeGreaterThanOrEqual(5);
    const log = bff.logger.text();
    expect(log).toContain('signed in');
    for (const token of tokensSeen) {
      expect(log).not.toContain(token);
      // Nor a recognisable part of one (a JWT's signature, a refresh token's tail).
      expect(log).not.toContain(token.slice(-24));
    }
  });
});
