import {
  LEDGER_API,
  LEDGER_CLIENT,
  LEDGER_CLIENT_METADATA,
  bearer,
  dpop,
  expectRefusal,
  idpOptions,
  requestUrl,
  sleep,
} from './support.js';
import { ORDERS_API, PASSWORD_ACR, bffClient, startIdp } from '@cloakroom/idp';
import type { RunningIdp } from '@cloakroom/idp';
import { clientToken, decodeJwt, dpopProof, generateDpopKey, userTokens } from '@cloakroom/idp/testing';
import { startLoopbackServer } from '@cloakroom/test-harness/loopback';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkUserAuthentication, requireAccessToken, requireAcr } from '../src/index.js';
import type { AccessTokenEnv, AccessTokenOptions, RequireAcrOptions } from '../src/index.js';

const MFA_ACR = 'urn:cloakroom:acr:mfa';
const realm = ORDERS_API;
const OTHER_LEVEL = 'error_description="A different authentication level is required"';
const OLD_SIGN_IN = 'error_description="More recent authentication is required"';

let idp: RunningIdp;
let rp: Awaited<ReturnType<typeof startLoopbackServer>>;
/** Where the IdP sends the user back to (answered by `rp`). */
let redirectOrigin: string;
/** Alice's access token for the orders API, from a real sign-in with her password. */
let alice: string;

beforeAll(async () => {
  rp = await startLoopbackServer((_req, res) => res.writeHead(200).end('app'));
  redirectOrigin = rp.url.replace('127.0.0.1', 'localhost');
  idp = await startIdp(idpOptions({ clients: [bffClient({ origin: redirectOrigin }), LEDGER_CLIENT_METADATA] }));
  ({ accessToken: alice } = await userTokens(idp.issuer, redirectOrigin, { scope: 'openid orders:read', resource: ORDERS_API }));
});

afterAll(async () => {
  await idp.close();
  await rp.close();
});

/** An API whose `/step-up` route needs `requireAcr(acrValues, options)`, behind a guard of the orders API unless `guard` says otherwise. */
function stepUpApi(acrValues: string[], options?: RequireAcrOptions, guard?: AccessTokenOptions) {
  const app = new Hono<AccessTokenEnv>();
  app.use(requireAccessToken(guard ?? { issuer: idp.issuer, audience: ORDERS_API, typ: 'at+jwt' }));
  app.get('/step-up', requireAcr(acrValues, options), (c) => c.json(c.get('token')));
  return app;
}

describe("the dev IdP's user access tokens say how and when the user signed in (RFC 9068 §2.2.1)", () => {
  it('carry acr, amr and auth_time; client-credentials tokens carry none', async () => {
    const { payload } = decodeJwt(alice);
    expect(payload).toMatchObject({ sub: 'alice', acr: PASSWORD_ACR, amr: ['pwd'], auth_time: expect.any(Number) });
    expect(payload.auth_time).toBeLessThanOrEqual(payload.iat as number);
    const machine = decodeJwt(await clientToken(idp.issuer, ORDERS_API, 'orders:read')).payload;
    expect(machine).not.toHaveProperty('acr');
    expect(machine).not.toHaveProperty('auth_time');
  });
});

describe('requireAcr (RFC 9470)', () => {
  it('admits a token whose acr is one of those required', async () => {
    for (const acrValues of [[PASSWORD_ACR], [MFA_ACR, PASSWORD_ACR]]) {
      const response = await stepUpApi(acrValues).request('/step-up', { headers: bearer(alice) });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ acr: PASSWORD_ACR });
    }
  });

  it('answers another acr with 401 insufficient_user_authentication and the acr_values to ask for', async () => {
    await expectRefusal(
      await stepUpApi([MFA_ACR]).request('/step-up', { headers: bearer(alice) }),
      401,
      'insufficient_user_authentication',
      `Bearer realm="${realm}", error="insufficient_user_authentication", ${OTHER_LEVEL}, acr_values="${MFA_ACR}"`,
    );
    // Every requirement is announced, so that the new sign-in satisfies all of them.
    const body = await expectRefusal(
      await stepUpApi([MFA_ACR, 'urn:cloakroom:acr:hardware-key'], { maxAge: 300 }).request('/step-up', { headers: bearer(alice) }),
      401,
      'insufficient_user_authentication',
      `Bearer realm="${realm}", error="insufficient_user_authentication", ${OTHER_LEVEL}, acr_values="${MFA_ACR} urn:cloakroom:acr:hardware-key", max_age="300"`,
    );
    expect(body.detail).toBe('A different authentication level is required');
  });

  it('challenges a token without acr or auth_time (a client-credentials token): it cannot show them', async () => {
    const machine = await clientToken(idp.issuer, ORDERS_API, 'orders:read');
    await expectRefusal(
      await stepUpApi([PASSWORD_ACR]).request('/step-up', { headers: bearer(machine) }),
      401,
      'insufficient_user_authentication',
      `Bearer realm="${realm}", error="insufficient_user_authentication", ${OTHER_LEVEL}, acr_values="${PASSWORD_ACR}"`,
    );
    await expectRefusal(
      await stepUpApi([], { maxAge: 60 }).request('/step-up', { headers: bearer(machine) }),
      401,
      'insufficient_user_authentication',
      `Bearer realm="${realm}", error="insufficient_user_authentication", ${OLD_SIGN_IN}, max_age="60"`,
    );
  });

  it('admits a recent sign-in, and challenges it with max_age once it is older than maxAge', async () => {
    const { accessToken } = await userTokens(idp.issuer, redirectOrigin, { scope: 'openid orders:read', resource: ORDERS_API });
    expect((await stepUpApi([PASSWORD_ACR], { maxAge: 60 }).request('/step-up', { headers: bearer(accessToken) })).status).toBe(200);
    await sleep(2_100); // auth_time counts whole seconds: now it is at least 2 s old
    await expectRefusal(
      await stepUpApi([PASSWORD_ACR], { maxAge: 1 }).request('/step-up', { headers: bearer(accessToken) }),
      401,
      'insufficient_user_authentication',
      `Bearer realm="${realm}", error="insufficient_user_authentication", ${OLD_SIGN_IN}, acr_values="${PASSWORD_ACR}", max_age="1"`,
    );
  });

  it('reads acr and auth_time from the introspection response of an opaque token', async () => {
    const { accessToken } = await userTokens(idp.issuer, redirectOrigin, { scope: 'openid ledger:read', resource: LEDGER_API });
    const ledger = (acrValues: string[]) =>
      stepUpApi(acrValues, { maxAge: 60 }, { issuer: idp.issuer, audience: LEDGER_API, introspection: { ...LEDGER_CLIENT } });
    const response = await ledger([PASSWORD_ACR]).request('/step-up', { headers: bearer(accessToken) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ active: true, acr: PASSWORD_ACR, auth_time: expect.any(Number) });
    await expectRefusal(
      await ledger([MFA_ACR]).request('/step-up', { headers: bearer(accessToken) }),
      401,
      'insufficient_user_authentication',
      `Bearer realm="${LEDGER_API}", error="insufficient_user_authentication", ${OTHER_LEVEL}, acr_values="${MFA_ACR}", max_age="60"`,
    );
  });

  it('challenges a DPoP-bound token with the DPoP scheme', async () => {
    const key = await generateDpopKey();
    const { accessToken } = await userTokens(idp.issuer, redirectOrigin, { scope: 'openid orders:read', resource: ORDERS_API, dpop: key });
    const proof = () => dpopProof(key, { htm: 'GET', htu: requestUrl('/step-up'), accessToken });
    const api = (acrValues: string[]) => stepUpApi(acrValues, {}, { issuer: idp.issuer, audience: ORDERS_API, tokenBinding: 'dpop' });
    expect((await api([PASSWORD_ACR]).request('/step-up', { headers: dpop(accessToken, await proof()) })).status).toBe(200);
    await expectRefusal(
      await api([MFA_ACR]).request('/step-up', { headers: dpop(accessToken, await proof()) }),
      401,
      'insufficient_user_authentication',
      `DPoP realm="${realm}", error="insufficient_user_authentication", ${OTHER_LEVEL}, acr_values="${MFA_ACR}", algs="ES256 EdDSA Ed25519 PS256 RS256"`,
    );
  });

  it('fails closed (500) without requireAccessToken before it', async () => {
    const app = new Hono();
    app.get('/', requireAcr([PASSWORD_ACR]), (c) => c.text('should not be reached'));
    app.onError((error, c) => c.text(error.message, 500));
    expect((await app.request('/', { headers: bearer(alice) })).status).toBe(500);
  });

  it('refuses requirements a challenge cannot carry, at configuration', () => {
    expect(() => requireAcr([])).toThrow(/at least one acr value, or a maxAge/);
    for (const value of ['two words', 'quote"d', 'back\\slash', '']) expect(() => requireAcr([value])).toThrow(TypeError);
    for (const maxAge of [-1, 1.5, Number.NaN]) expect(() => requireAcr([PASSWORD_ACR], { maxAge })).toThrow(/maxAge/);
  });
});

describe('checkUserAuthentication, without Hono', () => {
  it('says which requirement failed, and why, for onError', () => {
    const required = { acrValues: [PASSWORD_ACR], maxAge: 60 };
    expect(checkUserAuthentication({ acr: PASSWORD_ACR, auth_time: 1_000 }, required, 1_060)).toBeUndefined();
    expect(checkUserAuthentication({ acr: PASSWORD_ACR, auth_time: 1_000 }, required, 1_061)).toMatchObject({
      failed: 'max_age',
      message: expect.stringContaining('auth_time'),
    });
    expect(checkUserAuthentication({ acr: 'other', auth_time: 1_000 }, required, 1_000)).toMatchObject({ failed: 'acr' });
    expect(checkUserAuthentication({ auth_time: 1_000 }, required, 1_000)).toMatchObject({
      failed: 'acr',
      message: expect.stringContaining('no "acr"'),
    });
  });
});
