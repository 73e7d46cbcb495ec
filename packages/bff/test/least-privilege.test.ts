import { requireAccessToken } from '@cloakroom/guard';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { startLoopbackServer, type LoopbackServer } from '@cloakroom/test-harness/loopback';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDERS_RESOURCE, REPORTS_RESOURCE, startStack } from './stack.js';
import { startUpstream, type CapturingUpstream } from './upstream.js';

const json = { 'x-csrf': '1' };
let orders: CapturingUpstream;
let reports: CapturingUpstream;
let backOffice: CapturingUpstream;
let stack: Awaited<ReturnType<typeof startStack>>;
let ordersApi: LoopbackServer;
let reportsApi: LoopbackServer;

/** A resource server that accepts RFC 9068 access tokens of `issuer` for its own `audience` only. */
function startResourceServer(issuer: string, audience: string): Promise<LoopbackServer> {
  const app = new Hono().use(requireAccessToken({ issuer, audience, typ: 'at+jwt' })).get('/orders', (c) => c.json([]));
  const listener = getRequestListener(app.fetch);
  return startLoopbackServer((req, res) => void listener(req, res));
}

beforeAll(async () => {
  [orders, reports, backOffice] = await Promise.all([startUpstream(), startUpstream(), startUpstream()]);
  stack = await startStack(() => ({
    orders: { baseUrl: orders.url, scopes: ['orders:read', 'orders:write'], resource: ORDERS_RESOURCE },
    reports: { baseUrl: reports.url, scopes: ['reports:read'], resource: REPORTS_RESOURCE },
    backOffice: { baseUrl: backOffice.url, token: 'client', scopes: ['orders:read'], resource: ORDERS_RESOURCE },
    status: { baseUrl: backOffice.url, token: 'client', scopes: ['orders:read'], resource: ORDERS_RESOURCE, allowAnonymous: true },
  }));
  // Two resource servers behind @cloakroom/guard, the orders API and the reports API: each checks its own audience.
  [ordersApi, reportsApi] = await Promise.all([
    startResourceServer(stack.idp.issuer, ORDERS_RESOURCE),
    startResourceServer(stack.idp.issuer, REPORTS_RESOURCE),
  ]);
});
afterAll(async () => {
  await Promise.all([ordersApi.close(), reportsApi.close()]);
  await stack.close();
  await Promise.all([orders.close(), reports.close(), backOffice.close()]);
});

const bearer = (upstream: CapturingUpstream) => upstream.requests.at(-1)!.headers.authorization!.split(' ')[1]!;
const callWith = (api: LoopbackServer, token: string) => fetch(`${api.url}/orders`, { headers: { authorization: `Bearer ${token}` } });

describe('per-API tokens', () => {
  it('sends each API a user token for its own audience only, and API B refuses the token of API A', async () => {
    const browser = new TestBrowser();
    await signIn(browser, `${stack.bff.origin}/bff/login`, { username: 'alice', password: 'alice-password' });
    const grants = stack.idp.counts.refreshTokenGrants;

    expect((await browser.fetch(`${stack.bff.origin}/bff/api/orders/x`, { headers: json })).status).toBe(200);
    expect((await browser.fetch(`${stack.bff.origin}/bff/api/reports/x`, { headers: json })).status).toBe(200);
    const ordersToken = bearer(orders);
    const reportsToken = bearer(reports);
    // The reports token was obtained by a refresh with resource=…/reports (RFC 8707).
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);

    expect(decodeJwt(ordersToken)).toMatchObject({ aud: ORDERS_RESOURCE, sub: 'alice', scope: 'orders:read orders:write' });
    expect(decodeJwt(reportsToken)).toMatchObject({ aud: REPORTS_RESOURCE, sub: 'alice', scope: 'reports:read' });

    expect((await callWith(ordersApi, ordersToken)).status).toBe(200);
    const refused = await callWith(reportsApi, ordersToken);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await callWith(ordersApi, reportsToken)).status).toBe(401);

    // Both stay cached in the session: no further grant for either API.
    await browser.fetch(`${stack.bff.origin}/bff/api/orders/x`, { headers: json });
    await browser.fetch(`${stack.bff.origin}/bff/api/reports/x`, { headers: json });
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
  });

  it('calls a client-token API for signed-in users with one cached client-credentials token', async () => {
    const before = backOffice.requests.length;
    const anonymous = await fetch(`${stack.bff.origin}/bff/api/backOffice/x`, { headers: json });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'login_required' });
    expect(backOffice.requests.length).toBe(before);

    const browser = new TestBrowser();
    await signIn(browser, `${stack.bff.origin}/bff/login`, { username: 'bob', password: 'bob-password' });
    const grants = stack.idp.counts.clientCredentialsGrants;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => browser.fetch(`${stack.bff.origin}/bff/api/backOffice/x`, { headers: json })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    expect(stack.idp.counts.clientCredentialsGrants).toBe(grants + 1);
    const token = bearer(backOffice);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ aud: ORDERS_RESOURCE, client_id: 'cloakroom-bff', scope: 'orders:read' });
    expect(claims.sub).not.toBe('bob');

    await browser.fetch(`${stack.bff.origin}/bff/api/backOffice/x`, { headers: json });
    expect(stack.idp.counts.clientCredentialsGrants).toBe(grants + 1);
    expect(bearer(backOffice)).toBe(token);
  });

  it('serves a client-token API to anonymous callers only when allowAnonymous says so', async () => {
    const response = await fetch(`${stack.bff.origin}/bff/api/status/x`, { headers: json });
    expect(response.status).toBe(200);
    expect(decodeJwt(bearer(backOffice))).toMatchObject({ client_id: 'cloakroom-bff' });
  });
});
