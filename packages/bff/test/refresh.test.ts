import { bffClient, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startIdp, type RunningIdp } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemorySessionStore } from '../src/index.js';
import { ORDERS_RESOURCE, startStack } from './stack.js';
import { startUpstream, type CapturingUpstream } from './upstream.js';

const alice = { username: 'alice', password: 'alice-password' };
const json = { 'x-csrf': '1', accept: 'application/json' };
const ACCESS_TOKEN_TTL = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let upstream: CapturingUpstream;
let stack: Awaited<ReturnType<typeof startStack>>;
let store: MemorySessionStore;
let origin: string;
/** Tokens the upstream should refuse with `401 invalid_token`, as if revoked. */
const refusedTokens = new Set<string>();
/** Refresh-token grants the IdP refused: a reused (rotated) refresh token would show up here. */
let grantErrors: string[] = [];

beforeAll(async () => {
  upstream = await startUpstream((request, res) => {
    const token = request.headers.authorization?.split(' ')[1] ?? '';
    if (refusedTokens.has(token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, body: request.body }));
  });
  store = new MemorySessionStore();
  stack = await startStack(
    () => ({ orders: { baseUrl: upstream.url, scopes: ['orders:read', 'orders:write'], resource: ORDERS_RESOURCE } }),
    // A small refresh margin: on a busy test machine, a batch of calls that takes longer than the
    // default margin (half of these 3-second tokens) would rightly refresh a second time.
    { idp: { accessTokenTtl: ACCESS_TOKEN_TTL }, bff: { session: { store }, replayableBodySize: 1024, refreshMargin: 0.5 } },
  );
  origin = stack.bff.origin;
  watchGrantErrors(stack.idp);
});
afterAll(async () => {
  await stack.close();
  await upstream.close();
});
beforeEach(() => {
  grantErrors = [];
});

function watchGrantErrors(idp: RunningIdp) {
  idp.provider.on('grant.error', (_ctx: unknown, error: { error?: string }) => grantErrors.push(error.error ?? 'error'));
}

/** Every refresh token the store has held, to prove that none reached the log. */
const refreshTokens = new Set<string>();
async function rememberRefreshTokens() {
  for (const id of await store.idsBySub('alice')) {
    const token = (await store.get(id))?.refreshToken;
    if (token) refreshTokens.add(token);
  }
}

async function signedIn() {
  const browser = new TestBrowser();
  await signIn(browser, `${origin}/bff/login`, alice);
  await rememberRefreshTokens();
  const call = (init: RequestInit = {}) =>
    browser.fetch(`${origin}/bff/api/orders/orders`, { ...init, headers: { ...json, ...init.headers } });
  return { browser, call };
}

/** Runs `task` while the upstream refuses every token, whatever its value. */
async function refusingEveryToken<T>(task: () => Promise<T>): Promise<T> {
  const original = refusedTokens.has.bind(refusedTokens);
  refusedTokens.has = () => true;
  try {
    return await task();
  } finally {
    refusedTokens.has = original;
  }
}

const lastToken = () => upstream.requests.at(-1)!.headers.authorization!.split(' ')[1]!;

describe('silent refresh', () => {
  it('refreshes an expired access token before proxying, with rotation', async () => {
    const { call } = await signedIn();
    expect((await call()).status).toBe(200);
    const first = lastToken();
    const grants = stack.idp.counts.refreshTokenGrants;

    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
    const response = await call();
    expect(response.status).toBe(200);
    expect(lastToken()).not.toBe(first);
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);

    // Fresh again: the next call reuses the new token, no grant.
    expect((await call()).status).toBe(200);
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
    expect(grantErrors).toEqual([]);
  });

  it('makes 50 concurrent calls after expiry share exactly one refresh-token grant', async () => {
    const { call } = await signedIn();
    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
    const grants = stack.idp.counts.refreshTokenGrants;
    const before = upstream.requests.length;

    const responses = await Promise.all(Array.from({ length: 50 }, () => call()));
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(200));
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
    const tokens = new Set(upstream.requests.slice(before).map((request) => request.headers.authorization));
    expect(tokens.size).toBe(1);
    // No spent (rotated) refresh token was ever presented.
    expect(grantErrors).toEqual([]);
  });

  it('refreshes once and retries once after an upstream 401 invalid_token, replaying a small body', async () => {
    const { call } = await signedIn();
    expect((await call()).status).toBe(200);
    refusedTokens.add(lastToken());
    const grants = stack.idp.counts.refreshTokenGrants;
    const before = upstream.requests.length;

    const response = await call({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"item":"hat"}' });
    expect(response.status).toBe(200);
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
    const attempts = upstream.requests.slice(before);
    expect(attempts).toHaveLength(2);
    expect(attempts.map((request) => request.body)).toEqual(['{"item":"hat"}', '{"item":"hat"}']);
    expect(attempts[0]!.headers.authorization).not.toBe(attempts[1]!.headers.authorization);
  });

  it('does not retry when the body is too large to replay, and answers the 401', async () => {
    const { call } = await signedIn();
    expect((await call()).status).toBe(200);
    refusedTokens.add(lastToken());
    const grants = stack.idp.counts.refreshTokenGrants;
    const before = upstream.requests.length;

    const response = await call({ method: 'POST', body: 'x'.repeat(2048) });
    expect(response.status).toBe(401);
    expect(upstream.requests.length).toBe(before + 1);
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants);
  });

  it('retries only once: a token refused twice gives the 401 back', async () => {
    const { call } = await signedIn();
    await call();
    refusedTokens.add(lastToken());
    const before = upstream.requests.length;
    // Refuse whatever token comes next too.
    const response = await refusingEveryToken(call);
    expect(response.status).toBe(401);
    expect(upstream.requests.length).toBe(before + 2);
  });

  it('passes the 401 on without a second refresh when the token refreshed for this call is refused', async () => {
    const { call } = await signedIn();
    await call();
    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
    const grants = stack.idp.counts.refreshTokenGrants;
    const before = upstream.requests.length;
    const response = await refusingEveryToken(call);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
    expect(upstream.requests.length).toBe(before + 1);
  });

  it('ends the session with 401 session_expired when the IdP revoked the refresh token', async () => {
    const { browser, call } = await signedIn();
    const [id] = await store.idsBySub('alice').then((ids) => ids.slice(-1));
    const session = (await store.get(id!))!;
    const revocation = await fetch(`${stack.idp.issuer}/token/revocation`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: session.refreshToken!, token_type_hint: 'refresh_token' }),
    });
    expect(revocation.status).toBe(200);

    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
    const response = await call();
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'session_expired' });
    expect(response.headers.getSetCookie().join('\n')).toMatch(/__Host-cloakroom=; Max-Age=0/);
    expect(await store.get(id!)).toBeUndefined();
    expect(await (await browser.fetch(`${origin}/bff/session`, { headers: json })).json()).toEqual({ authenticated: false });
    // The IdP refused the revoked token once, and the BFF did not try again.
    expect(grantErrors).toEqual(['invalid_grant']);
  });

  it('answers 503 idp_unavailable while the IdP is down, keeps the session, and recovers when it is back', async () => {
    const { call } = await signedIn();
    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
    const { port } = stack.idp;
    await stack.idp.close();
    try {
      const down = await call();
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await down.json()).toMatchObject({ code: 'idp_unavailable' });
      expect(down.headers.getSetCookie()).toEqual([]);
      expect(await store.idsBySub('alice')).not.toHaveLength(0);
    } finally {
      stack.idp = await startIdp({ port, accessTokenTtl: ACCESS_TOKEN_TTL, clients: [bffClient({ origin })] });
      watchGrantErrors(stack.idp);
    }
    const back = await call();
    expect(back.status).toBe(200);
    expect(grantErrors).toEqual([]);
  });

  it('answers 503 idp_unavailable when the IdP does not answer in time, and keeps the session', async () => {
    // The IdP's token endpoint hangs (as behind a stuck load balancer) until the BFF gives up.
    let hang = false;
    const hangingFetch: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!hang || !url.endsWith('/token')) return fetch(input, init);
      return new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)));
    };
    const slow = await startStack(() => ({ orders: { baseUrl: upstream.url, scopes: ['orders:read'], resource: ORDERS_RESOURCE } }), {
      idp: { accessTokenTtl: ACCESS_TOKEN_TTL },
      bff: { fetch: hangingFetch, timeouts: { idp: 300 }, refreshMargin: 0.5 },
    });
    try {
      const browser = new TestBrowser();
      await signIn(browser, `${slow.bff.origin}/bff/login`, alice);
      await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
      hang = true;
      const response = await browser.fetch(`${slow.bff.origin}/bff/api/orders/x`, { headers: json });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await response.json()).toMatchObject({ code: 'idp_unavailable' });
      hang = false;
      expect((await browser.fetch(`${slow.bff.origin}/bff/api/orders/x`, { headers: json })).status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('wrote no token to its log in all of the above', async () => {
    await rememberRefreshTokens();
    const log = stack.bff.logger.text();
    expect(log).toContain('session ended by the IdP');
    expect(refreshTokens.size).toBeGreaterThan(5);
    for (const token of refreshTokens) expect(log).not.toContain(token);
    for (const request of upstream.requests) expect(log).not.toContain(request.headers.authorization!.split(' ')[1]!);
    expect(log).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});
