import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { generateSigningKey, type BffClientOptions } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySessionStore, type BffConfig } from '../src/index.js';
import { startGuardedApi, type GuardedApi } from './guarded-api.js';
import { ORDERS_RESOURCE, startStack } from './stack.js';

const alice = { username: 'alice', password: 'alice-password' };
const json = { 'x-csrf': '1', accept: 'application/json' };

/**
 * The client side of FAPI 2.0 for `startStack`: an ES256 client assertion key (one of the FAPI 2.0
 * algorithms), registered at the IdP for `private_key_jwt`, and the BFF in `profile: 'fapi2'`.
 */
function fapi2Client(): { client: Omit<BffClientOptions, 'origin'>; bff: Partial<BffConfig> } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = randomUUID();
  return {
    client: {
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' }] },
    },
    bff: {
      profile: 'fapi2',
      clientAuthentication: 'private_key_jwt',
      clientPrivateKey: { key: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'ES256' } },
      clientSecret: undefined,
    },
  };
}

let orders: GuardedApi;
let stack: Awaited<ReturnType<typeof startStack>>;
const store = new MemorySessionStore();

beforeAll(async () => {
  orders = await startGuardedApi(ORDERS_RESOURCE, 'dpop');
  const { client, bff } = fapi2Client();
  stack = await startStack(
    () => ({ orders: { baseUrl: orders.url, scopes: ['orders:read', 'orders:write'], resource: ORDERS_RESOURCE, tokenBinding: 'dpop' } }),
    {
      // The dev IdP as an open-banking IdP runs FAPI 2.0: PAR required, private_key_jwt only, FAPI algorithms.
      idp: { fapi2: true },
      client,
      bff: { ...bff, session: { store } },
    },
  );
  orders.guard(stack.idp.issuer);
});
afterAll(async () => {
  await stack.close();
  await orders.close();
});

describe("profile: 'fapi2' against the dev IdP in its FAPI 2.0 configuration", () => {
  it('starts: the IdP offers everything the profile needs', async () => {
    await expect(stack.bff.app.ready()).resolves.toBeUndefined();
  });

  it('signs in through PAR and calls the API with a DPoP-bound token (the ID token was checked as ES256: RS256 is refused)', async () => {
    const browser = new TestBrowser();
    const { visited } = await signIn(browser, `${stack.bff.origin}/bff/login`, alice);

    // PAR (RFC 9126): the browser's authorization request carries only the client and the request_uri.
    const authorization = new URL(visited.find((url) => /\/auth\?/.test(url))!);
    expect([...authorization.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    // RFC 9207: the IdP's redirect back names it (and openid-client checked it against the issuer).
    const callback = new URL(visited.find((url) => url.includes('/bff/callback?'))!);
    expect(callback.searchParams.get('iss')).toBe(stack.idp.issuer);

    const session = await (await browser.fetch(`${stack.bff.origin}/bff/session`, { headers: json })).json();
    expect(session).toMatchObject({ authenticated: true, user: { sub: 'alice' } });

    const call = await browser.fetch(`${stack.bff.origin}/bff/api/orders/orders`, { headers: json });
    expect(call.status).toBe(200);
    // Sender-constrained: the API got a DPoP-bound token (cnf.jkt) and a proof, and verified both.
    const arrival = orders.last();
    expect(arrival.authorization).toMatch(/^DPoP /);
    expect(arrival.dpop).toBeDefined();
    expect(decodeJwt(arrival.authorization!.slice('DPoP '.length))).toMatchObject({ cnf: { jkt: expect.any(String) } });
  });

  it('is an IdP that allows only the FAPI algorithms, PAR and private_key_jwt', async () => {
    const jwks = (await (await fetch(`${stack.idp.issuer}/jwks`)).json()) as { keys: { alg: string }[] };
    expect(jwks.keys.map((key) => key.alg)).toContain('ES256');
    const discovery = (await (await fetch(`${stack.idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256']));
    expect(discovery.id_token_signing_alg_values_supported).not.toContain('RS256');
    expect(discovery.authorization_response_iss_parameter_supported).toBe(true);
    expect(discovery.require_pushed_authorization_requests).toBe(true);
    expect(discovery.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt']);
  });
});

describe("profile: 'fapi2' against an IdP that signs ID tokens with RS256", () => {
  it('refuses the sign-in: an ID token outside the FAPI algorithms is no proof, and no session starts', async () => {
    const plain = await startStack(() => ({}), {
      // An IdP with an ES256 key too (so discovery passes), that signs this client's ID tokens with RS256.
      idp: { pushedAuthorizationRequests: 'required', signingKeys: [generateSigningKey(), generateSigningKey('ES256')] },
      ...fapi2Client(),
    });
    try {
      const browser = new TestBrowser();
      const { response } = await signIn(browser, `${plain.bff.origin}/bff/login`, alice);
      expect(new URL(response.url).searchParams.get('cloakroom_error')).toBe('invalid_callback');
      expect(plain.bff.logger.text()).toContain('id_token_ERR_JOSE_ALG_NOT_ALLOWED');
      const session = await (await browser.fetch(`${plain.bff.origin}/bff/session`, { headers: json })).json();
      expect(session).toEqual({ authenticated: false });
    } finally {
      await plain.close();
    }
  });
});
