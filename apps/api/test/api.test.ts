import { ALICE, BOB, MFA_ACR, ORDERS_API, PASSWORD_ACR, REPORTS_API, bffClient, startIdp } from '@cloakroom/idp';
import type { RunningIdp } from '@cloakroom/idp';
import { clientToken, dpopProof, generateDpopKey, userTokens } from '@cloakroom/idp/testing';
import { startLoopbackServer, type LoopbackServer } from '@cloakroom/test-harness/loopback';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, startApi } from '../src/index.js';

/** A bare relying party for the code flow's redirect (it only has to answer), on localhost: another site than the IdP. */
let rp: LoopbackServer & { origin: string };
let idp: RunningIdp;
let api: ReturnType<typeof createApi>;
let alice: string;
let bob: string;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** The challenges of RFC 6750 §3 that the BFF relies on: it refreshes and retries once on `invalid_token`. */
const challenges = {
  // The API takes bearer and DPoP-bound tokens (`bearer-or-dpop`): both schemes are offered.
  missing: `Bearer realm="${ORDERS_API}", DPoP realm="${ORDERS_API}", algs="ES256 EdDSA Ed25519 PS256 RS256"`,
  invalidRequest: `Bearer realm="${ORDERS_API}", error="invalid_request"`,
  invalidToken: `Bearer realm="${ORDERS_API}", error="invalid_token"`,
  insufficientScope: (scope: string) => `Bearer realm="${ORDERS_API}", error="insufficient_scope", scope="${scope}"`,
};
const postOrder = (token: string, body: unknown, type = 'application/json') =>
  api.request('/orders', {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, detail: expect.any(String) });
  return body;
}

beforeAll(async () => {
  const server = await startLoopbackServer((_req, res) => res.writeHead(200).end('ok'));
  rp = { ...server, origin: `http://localhost:${server.port}` };
  idp = await startIdp({ port: 0, clients: [bffClient({ origin: rp.origin })] });
  api = createApi({ issuer: idp.issuer, audience: ORDERS_API });
  alice = (await userTokens(idp.issuer, rp.origin, { user: ALICE })).accessToken;
  bob = (await userTokens(idp.issuer, rp.origin, { user: BOB })).accessToken;
});

afterAll(async () => {
  await idp.close();
  await rp.close();
});

describe('with a DPoP-bound access token (RFC 9449), as a BFF with tokenBinding: dpop sends it', () => {
  it('takes it with its proof, and refuses it as a bearer token', async () => {
    const key = await generateDpopKey();
    const { accessToken } = await userTokens(idp.issuer, rp.origin, { user: ALICE, dpop: key });
    const proof = await dpopProof(key, { htm: 'GET', htu: 'http://localhost/me', accessToken });
    const me = await api.request('/me', { headers: { authorization: `DPoP ${accessToken}`, dpop: proof } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ sub: 'alice' });
    await expectProblem(await api.request('/me', { headers: bearer(accessToken) }), 401, 'invalid_token');
  });
});

describe('with a valid access token', () => {
  it('answers /me with the token subject and scope', async () => {
    const response = await api.request('/me', { headers: bearer(alice) });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const me = (await response.json()) as { sub: string; scope: string };
    expect(me.sub).toBe('alice');
    expect(me.scope.split(' ').sort()).toEqual(['orders:read', 'orders:write']);
  });

  it('creates and lists orders, per user', async () => {
    expect(await (await api.request('/orders', { headers: bearer(alice) })).json()).toEqual([]);

    const created = await postOrder(alice, { item: '  A coat hanger  ' });
    expect(created.status).toBe(201);
    const order = (await created.json()) as { id: string; item: string; createdAt: string };
    expect(order).toEqual({ id: expect.any(String), item: 'A coat hanger', createdAt: expect.any(String) });
    expect(Number.isNaN(Date.parse(order.createdAt))).toBe(false);
    expect(created.headers.get('location')).toBe(`/orders/${order.id}`);

    expect(await (await api.request('/orders', { headers: bearer(alice) })).json()).toEqual([order]);
    expect(await (await api.request(`/orders/${order.id}`, { headers: bearer(alice) })).json()).toEqual(order);
    expect(await (await api.request('/orders', { headers: bearer(bob) })).json()).toEqual([]);
    await expectProblem(await api.request(`/orders/${order.id}`, { headers: bearer(bob) }), 404, 'not_found');
  });

  it('accepts a client-credentials token for the orders resource', async () => {
    const token = await clientToken(idp.issuer, ORDERS_API, 'orders:read orders:write');
    const me = (await (await api.request('/me', { headers: bearer(token) })).json()) as { sub: string };
    expect(me.sub).toBe('cloakroom-bff');
    expect((await postOrder(token, { item: 'service order' })).status).toBe(201);
  });

  it('rejects an invalid order with 400 invalid_request', async () => {
    for (const body of [{}, { item: '' }, { item: '   ' }, { item: 'x'.repeat(201) }, { item: 42 }, '{not json']) {
      await expectProblem(await postOrder(alice, body), 400, 'invalid_request');
    }
    expect((await postOrder(alice, { item: 'x'.repeat(200) })).status).toBe(201);
    await expectProblem(await postOrder(alice, 'item=x', 'application/x-www-form-urlencoded'), 415, 'invalid_request');
  });
});

describe('transfers need a recent second factor (step-up, RFC 9470)', () => {
  const postTransfer = (token: string, body: unknown, on = api) =>
    on.request('/transfers', {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const stepUp = `Bearer realm="${ORDERS_API}", error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="${MFA_ACR}", max_age="300"`;

  it("answers a password sign-in's token with the challenge that asks for the dev IdP's MFA_ACR", async () => {
    const response = await postTransfer(alice, { to: 'bob', amount: 10 });
    expect(response.headers.get('www-authenticate')).toBe(stepUp);
    await expectProblem(response, 401, 'insufficient_user_authentication');
    // A token without any sign-in (client credentials) is asked for the same.
    const service = await clientToken(idp.issuer, ORDERS_API, 'orders:read orders:write');
    expect((await postTransfer(service, { to: 'bob', amount: 10 })).headers.get('www-authenticate')).toBe(stepUp);
  });

  it('makes the transfer with the token of a sign-in with the one-time code', async () => {
    const { accessToken } = await userTokens(idp.issuer, rp.origin, { user: ALICE, acrValues: MFA_ACR });
    const response = await postTransfer(accessToken, { to: ' bob ', amount: 25 });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ id: expect.any(String), to: 'bob', amount: 25, acr: MFA_ACR, createdAt: expect.any(String) });
    for (const body of [
      {},
      { to: '', amount: 1 },
      { to: 'bob', amount: 0 },
      { to: 'bob', amount: 1.5 },
      { to: 'bob', amount: 10_001 },
      { to: 'x'.repeat(101), amount: 1 },
    ]) {
      await expectProblem(await postTransfer(accessToken, body), 400, 'invalid_request');
    }
  });

  it('checks the scope first: stepping up would not give a read-only token orders:write', async () => {
    const readOnly = await clientToken(idp.issuer, ORDERS_API, 'orders:read');
    await expectProblem(await postTransfer(readOnly, { to: 'bob', amount: 1 }), 403, 'insufficient_scope');
  });

  it('asks for what transferAuthentication says', async () => {
    const lenient = createApi({ issuer: idp.issuer, audience: ORDERS_API, transferAuthentication: { acrValues: [PASSWORD_ACR] } });
    expect((await postTransfer(alice, { to: 'bob', amount: 1 }, lenient)).status).toBe(201);
  });
});

describe('without a valid access token', () => {
  it('asks for a token with a challenge that has no error code when none is sent', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: 'Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=' }];
    for (const headers of attempts) {
      for (const path of ['/me', '/orders', '/orders/1', '/nope']) {
        const response = await api.request(path, { headers });
        expect(response.headers.get('www-authenticate')).toBe(challenges.missing);
        await expectProblem(response, 401, 'missing_token');
      }
      const post = await api.request('/orders', { method: 'POST', headers });
      expect(post.headers.get('www-authenticate')).not.toContain('invalid_token');
      await expectProblem(post, 401, 'missing_token');
    }
  });

  it('answers 400 invalid_request to a malformed Authorization header', async () => {
    for (const authorization of ['Bearer ', `Bearer ${alice} ${alice}`, 'Bearer not/a\\token']) {
      const response = await api.request('/orders', { headers: { authorization } });
      expect(response.headers.get('www-authenticate')).toBe(challenges.invalidRequest);
      await expectProblem(response, 400, 'invalid_request');
    }
    const inUrl = await api.request(`/orders?access_token=${alice}`, { headers: bearer(alice) });
    expect(inUrl.headers.get('www-authenticate')).toBe(challenges.invalidRequest);
    await expectProblem(inUrl, 400, 'invalid_request');
  });

  it('refuses a token for another resource (wrong aud) with 401 invalid_token', async () => {
    const reports = await clientToken(idp.issuer, REPORTS_API, 'reports:read');
    const response = await api.request('/orders', { headers: bearer(reports) });
    // No error_description: why a token was refused is nothing a caller needs to know.
    expect(response.headers.get('www-authenticate')).toBe(challenges.invalidToken);
    await expectProblem(response, 401, 'invalid_token');
  });

  it('refuses a POST with 403 insufficient_scope when the token lacks orders:write', async () => {
    const readOnly = await clientToken(idp.issuer, ORDERS_API, 'orders:read');
    expect((await api.request('/orders', { headers: bearer(readOnly) })).status).toBe(200);
    const response = await postOrder(readOnly, { item: 'nope' });
    expect(response.headers.get('www-authenticate')).toBe(challenges.insufficientScope('orders:write'));
    await expectProblem(response, 403, 'insufficient_scope');
  });

  it('refuses a token whose payload was tampered with (signature no longer matches)', async () => {
    const [header, payload, signature] = alice.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'bob' })).toString('base64url');
    const response = await api.request('/me', { headers: bearer(`${header}.${forged}.${signature}`) });
    expect(response.headers.get('www-authenticate')).toBe(challenges.invalidToken);
    await expectProblem(response, 401, 'invalid_token');

    const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await expectProblem(await api.request('/me', { headers: bearer(`${header}.${payload}.${flipped}`) }), 401, 'invalid_token');
  });

  it('refuses an ID token and garbage as access tokens', async () => {
    const { idToken } = await userTokens(idp.issuer, rp.origin, { user: ALICE });
    await expectProblem(await api.request('/me', { headers: bearer(idToken!) }), 401, 'invalid_token');
    await expectProblem(await api.request('/me', { headers: bearer('not.a.jwt') }), 401, 'invalid_token');
  });

  it('answers unknown routes with a 404 problem', async () => {
    await expectProblem(await api.request('/nope', { headers: bearer(alice) }), 404, 'not_found');
  });
});

describe('CORS', () => {
  const page = 'http://localhost:3002';

  it("lets the configured origins' pages call it with their own token and read every answer", async () => {
    const withCors = createApi({ issuer: idp.issuer, audience: ORDERS_API, corsOrigins: [page] });
    const preflight = await withCors.request('/orders', {
      method: 'OPTIONS',
      headers: { origin: page, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(page);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);

    const ok = await withCors.request('/orders', { headers: { origin: page, ...bearer(alice) } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(page);
    const refused = await withCors.request('/orders', { headers: { origin: page } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(page);
    expect(refused.headers.get('access-control-expose-headers')).toMatch(/www-authenticate/);
  });

  it('grants no other origin, and by default none at all', async () => {
    const withCors = createApi({ issuer: idp.issuer, audience: ORDERS_API, corsOrigins: [page] });
    const other = await withCors.request('/orders', { headers: { origin: 'http://localhost:3003', ...bearer(alice) } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const byDefault = await api.request('/orders', { headers: { origin: page, ...bearer(alice) } });
    expect(byDefault.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await api.request('/orders', {
      method: 'OPTIONS',
      headers: { origin: page, 'access-control-request-method': 'GET' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('expiry and IdP availability', () => {
  it('refuses an expired token with 401 invalid_token', async () => {
    const shortLived = await startIdp({ port: 0, accessTokenTtl: 3 });
    try {
      const shortApi = createApi({ issuer: shortLived.issuer, audience: ORDERS_API, clockTolerance: 0 });
      const token = await clientToken(shortLived.issuer, ORDERS_API, 'orders:read');
      expect((await shortApi.request('/me', { headers: bearer(token) })).status).toBe(200);

      const { exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp: number };
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 50));
      const response = await shortApi.request('/me', { headers: bearer(token) });
      expect(response.headers.get('www-authenticate')).toBe(challenges.invalidToken);
      await expectProblem(response, 401, 'invalid_token');
    } finally {
      await shortLived.close();
    }
  });

  it('keeps accepting tokens with cached keys while the IdP is down, and answers 503 without keys', async () => {
    let other = await startIdp({ port: 0 });
    const { port, issuer } = other;
    const warm = createApi({ issuer, audience: ORDERS_API });
    const cold = createApi({ issuer, audience: ORDERS_API });
    const token = await clientToken(issuer, ORDERS_API, 'orders:read');
    expect((await warm.request('/me', { headers: bearer(token) })).status).toBe(200);
    await other.close();

    expect((await warm.request('/me', { headers: bearer(token) })).status).toBe(200);
    const unavailable = await cold.request('/me', { headers: bearer(token) });
    expect(unavailable.headers.get('retry-after')).toBe('5');
    expect(unavailable.headers.get('www-authenticate')).toBeNull();
    await expectProblem(unavailable, 503, 'temporarily_unavailable');

    // Discovery is retried once the IdP is back.
    other = await startIdp({ port });
    try {
      expect((await cold.request('/me', { headers: bearer(token) })).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});

describe('startApi', () => {
  it('serves the API over HTTP on a free port', async () => {
    const running = await startApi({ port: 0, issuer: idp.issuer, audience: ORDERS_API });
    try {
      expect(running.url).toBe(`http://127.0.0.1:${running.port}`);
      const response = await fetch(`${running.url}/me`, { headers: bearer(alice) });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { sub: string }).sub).toBe('alice');
      expect((await fetch(`${running.url}/me`)).status).toBe(401);
    } finally {
      await running.close();
    }
    await expect(fetch(`${running.url}/me`)).rejects.toThrow();
  });
});
