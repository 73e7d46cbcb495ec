import { createPublicKey, verify } from 'node:crypto';
import type { JsonWebKey as NodeJsonWebKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// openid-client, the client library the BFF uses: these tests check the client assertions and PAR
// requests the BFF sends.
import * as oidc from 'openid-client';
import { ALICE, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, ORDERS_API, bffClient, generateSigningKey, startIdp } from '../src/index.js';
import type { BffClientOptions, IdpOptions, RunningIdp } from '../src/index.js';
import { TestBrowser, signIn } from '../src/testing.js';
import { authorizeUrl, pkce, postForm, startFakeApp, tokenRequest } from './support.js';
import { decodeJwt } from '../src/testing.js';
import type { FakeApp, TokenResponse } from './support.js';

let app: FakeApp;
const started: RunningIdp[] = [];

beforeAll(async () => {
  app = await startFakeApp();
});

afterAll(async () => {
  await Promise.all(started.map((idp) => idp.close()));
  await app.close();
});

/** Starts an IdP with `options` that knows the fake app as a BFF client; closed after all tests. */
async function idpWith(options: Omit<IdpOptions, 'port' | 'clients'>, client: Partial<BffClientOptions> = {}): Promise<RunningIdp> {
  const idp = await startIdp({ ...options, port: 0, clients: [bffClient({ origin: app.origin, ...client })] });
  started.push(idp);
  return idp;
}

async function discover(idp: RunningIdp): Promise<Record<string, unknown>> {
  const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
  expect(response.status).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

/** Signs Alice in with a plain (not pushed) authorization request and exchanges the code (client_secret_basic). */
async function codeFlow(
  idp: RunningIdp,
  options: { scope?: string; resource?: string; prompt?: string; tokenParams?: Record<string, string> } = {},
): Promise<{ status: number; body: TokenResponse }> {
  const { verifier, challenge } = pkce();
  const start = authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge, ...options });
  const { response } = await signIn(new TestBrowser(), start, ALICE);
  const code = new URL(response.url).searchParams.get('code');
  expect(code, response.url).toBeTruthy();
  return tokenRequest(idp.issuer, {
    grant_type: 'authorization_code',
    code: code ?? '',
    redirect_uri: app.callbackUrl,
    code_verifier: verifier,
    ...options.tokenParams,
  });
}

/** POSTs a form with the client secret in the body (client_secret_post). */
async function postWithSecretInBody(url: string, params: Record<string, string>): Promise<{ status: number; body: TokenResponse }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...params, client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET }),
  });
  return { status: response.status, body: (await response.json()) as TokenResponse };
}

/** The status of a client_secret_basic form POST whose answer may not be JSON (a 404 is plain text). */
async function postStatus(url: string, params: Record<string, string> = {}): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The openid-client configuration the BFF would build for `idp`. */
function openidClient(idp: RunningIdp, auth: oidc.ClientAuth = oidc.ClientSecretBasic(DEMO_CLIENT_SECRET)): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(idp.issuer), DEMO_CLIENT_ID, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

/** Signs Alice in through openid-client: PAR when `par`, then the code exchange; resolves the tokens. */
async function openidClientFlow(config: oidc.Configuration, par: boolean, scope = 'openid profile email') {
  const verifier = oidc.randomPKCECodeVerifier();
  const parameters = {
    redirect_uri: app.callbackUrl,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: 'state-par',
    nonce: 'nonce-par',
  };
  const start = par ? await oidc.buildAuthorizationUrlWithPAR(config, parameters) : oidc.buildAuthorizationUrl(config, parameters);
  const { response } = await signIn(new TestBrowser(), start, ALICE);
  return oidc.authorizationCodeGrant(config, new URL(response.url), {
    pkceCodeVerifier: verifier,
    expectedState: 'state-par',
    expectedNonce: 'nonce-par',
    idTokenExpected: true,
  });
}

/** A fresh client key pair for private_key_jwt: the private CryptoKey and the public JWK to register. */
async function clientKeyPair(kid: string): Promise<{ privateKey: CryptoKey; jwk: JsonWebKey & { kid: string } }> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = { ...(await crypto.subtle.exportKey('jwk', pair.publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { privateKey: pair.privateKey, jwk };
}

const ALL_AUTH_METHODS = ['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'private_key_jwt', 'none'];

describe('the default profile', () => {
  it('advertises every auth method, PAR without requiring it, refresh tokens, logout and revocation', async () => {
    const idp = await idpWith({});
    const metadata = await discover(idp);
    expect(metadata).toMatchObject({
      token_endpoint_auth_methods_supported: ALL_AUTH_METHODS,
      pushed_authorization_request_endpoint: `${idp.issuer}/request`,
      end_session_endpoint: `${idp.issuer}/session/end`,
      revocation_endpoint: `${idp.issuer}/token/revocation`,
      backchannel_logout_supported: true,
      scopes_supported: ['openid', 'offline_access', 'profile', 'email'],
    });
    expect(metadata).not.toHaveProperty('require_pushed_authorization_requests');
    expect(metadata.grant_types_supported).toContain('refresh_token');

    // Both a plain and a pushed authorization request are accepted.
    const plain = await codeFlow(idp);
    expect(plain.body.refresh_token).toEqual(expect.any(String));
    const pushed = await openidClientFlow(await openidClient(idp), true);
    expect(pushed.claims()).toMatchObject({ sub: ALICE.sub, name: ALICE.name, email: ALICE.email });
  });
});

describe('clientAuthMethods', () => {
  it('with client_secret_post only, advertises just that and refuses client_secret_basic', async () => {
    const idp = await idpWith({ clientAuthMethods: ['client_secret_post'] }, { tokenEndpointAuthMethod: 'client_secret_post' });
    expect((await discover(idp)).token_endpoint_auth_methods_supported).toEqual(['client_secret_post']);

    const grant = { grant_type: 'client_credentials', resource: ORDERS_API, scope: 'orders:read' };
    const basic = await tokenRequest(idp.issuer, grant);
    expect(basic.status).toBe(401);
    expect(basic.body.error).toBe('invalid_client');
    const post = await postWithSecretInBody(`${idp.issuer}/token`, grant);
    expect(post.status).toBe(200);
    expect(decodeJwt(post.body.access_token ?? '').payload).toMatchObject({ aud: ORDERS_API, client_id: DEMO_CLIENT_ID });

    // A whole sign-in through openid-client with ClientSecretPost.
    const tokens = await openidClientFlow(await openidClient(idp, oidc.ClientSecretPost(DEMO_CLIENT_SECRET)), false);
    expect(tokens.claims()?.sub).toBe(ALICE.sub);
  });

  it('with private_key_jwt only, accepts openid-client PrivateKeyJwt assertions signed with a registered key', async () => {
    const { privateKey, jwk } = await clientKeyPair('bff-key-1');
    const idp = await idpWith(
      { clientAuthMethods: ['private_key_jwt'] },
      { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [jwk] } },
    );
    const metadata = await discover(idp);
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt']);
    expect(metadata.token_endpoint_auth_signing_alg_values_supported).toContain('ES256');

    const config = await openidClient(idp, oidc.PrivateKeyJwt({ key: privateKey, kid: jwk.kid }));
    const tokens = await openidClientFlow(config, true);
    expect(tokens.claims()).toMatchObject({ sub: ALICE.sub, aud: DEMO_CLIENT_ID });
    const service = await oidc.clientCredentialsGrant(config, { resource: ORDERS_API, scope: 'orders:read' });
    expect(decodeJwt(service.access_token).payload).toMatchObject({ aud: ORDERS_API, client_id: DEMO_CLIENT_ID });

    // A secret (the registered client has none) or another key is refused.
    const basic = await tokenRequest(idp.issuer, { grant_type: 'client_credentials', resource: ORDERS_API });
    expect(basic).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    const stranger = await clientKeyPair('bff-key-1');
    const forged = await openidClient(idp, oidc.PrivateKeyJwt({ key: stranger.privateKey, kid: jwk.kid }));
    await expect(oidc.clientCredentialsGrant(forged, { resource: ORDERS_API })).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('refuses to start with a client whose auth method the IdP does not support', async () => {
    await expect(idpWith({ clientAuthMethods: ['client_secret_post'] })).rejects.toThrow(
      /client cloakroom-bff: token_endpoint_auth_method must be 'client_secret_post'/,
    );
    await expect(idpWith({ clientAuthMethods: ['private_key_jwt'] }, { tokenEndpointAuthMethod: 'private_key_jwt' })).rejects.toThrow(
      /client cloakroom-bff: jwks or jwks_uri is mandatory/,
    );
    await expect(idpWith({ clientAuthMethods: [] })).rejects.toThrow(/clientAuthMethods/);
  });
});

describe('pushedAuthorizationRequests', () => {
  it("'required' advertises it and refuses a plain authorization request", async () => {
    const idp = await idpWith({ pushedAuthorizationRequests: 'required' });
    expect(await discover(idp)).toMatchObject({
      pushed_authorization_request_endpoint: `${idp.issuer}/request`,
      require_pushed_authorization_requests: true,
    });

    const plain = await new TestBrowser().follow(authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge: pkce().challenge }));
    const callback = new URL(plain.url);
    expect(callback.origin).toBe(app.origin);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toBe('Pushed Authorization Request must be used');
    expect(callback.searchParams.has('code')).toBe(false);

    const tokens = await openidClientFlow(await openidClient(idp), true);
    expect(tokens.claims()?.sub).toBe(ALICE.sub);
  });

  it("'off' has no PAR endpoint and takes plain authorization requests", async () => {
    const idp = await idpWith({ pushedAuthorizationRequests: 'off' });
    const metadata = await discover(idp);
    expect(metadata).not.toHaveProperty('pushed_authorization_request_endpoint');
    expect(metadata).not.toHaveProperty('require_pushed_authorization_requests');
    expect(await postStatus(`${idp.issuer}/request`)).toBe(404);
    expect((await codeFlow(idp)).status).toBe(200);
  });

  it("'on' (the default) takes both, and the pushed request stands for its parameters", async () => {
    const idp = await idpWith({ pushedAuthorizationRequests: 'on' });
    const { verifier, challenge } = pkce();
    const pushed = await postForm(
      `${idp.issuer}/request`,
      Object.fromEntries(authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge }).searchParams),
    );
    expect(pushed.status).toBe(201);
    expect(pushed.body.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const start = new URL('/auth', idp.issuer);
    start.searchParams.set('client_id', DEMO_CLIENT_ID);
    start.searchParams.set('request_uri', String(pushed.body.request_uri));
    const { response } = await signIn(new TestBrowser(), start, ALICE);
    const tokens = await tokenRequest(idp.issuer, {
      grant_type: 'authorization_code',
      code: new URL(response.url).searchParams.get('code') ?? '',
      redirect_uri: app.callbackUrl,
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);
    expect((await codeFlow(idp)).status).toBe(200);
  });
});

describe('refreshTokens: false', () => {
  it('advertises neither the refresh_token grant nor offline_access, and never issues a refresh token', async () => {
    const idp = await idpWith({ refreshTokens: false });
    const metadata = await discover(idp);
    expect(metadata.grant_types_supported).toEqual(['authorization_code', 'client_credentials']);
    expect(metadata.scopes_supported).toEqual(['openid', 'profile', 'email']);

    // Even with offline_access and prompt=consent, which get one from the default profile.
    const tokens = await codeFlow(idp, { prompt: 'consent' });
    expect(tokens.status).toBe(200);
    expect(tokens.body.access_token).toEqual(expect.any(String));
    expect(tokens.body).not.toHaveProperty('refresh_token');
    const refresh = await tokenRequest(idp.issuer, { grant_type: 'refresh_token', refresh_token: 'anything' });
    expect(refresh).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
  });

  it('refuses offline_access among the scopes', async () => {
    await expect(idpWith({ refreshTokens: false, scopes: ['openid', 'offline_access'] })).rejects.toThrow(/offline_access/);
  });
});

describe('endSession and revocation', () => {
  it('false: no end_session_endpoint (nor back-channel logout) and no revocation_endpoint', async () => {
    const idp = await idpWith({ endSession: false, revocation: false });
    const metadata = await discover(idp);
    for (const member of [
      'end_session_endpoint',
      'backchannel_logout_supported',
      'backchannel_logout_session_supported',
      'revocation_endpoint',
    ]) {
      expect(metadata).not.toHaveProperty(member);
    }
    expect(metadata.introspection_endpoint).toBe(`${idp.issuer}/token/introspection`);

    const tokens = await codeFlow(idp);
    expect((await fetch(`${idp.issuer}/session/end`)).status).toBe(404);
    expect(await postStatus(`${idp.issuer}/token/revocation`, { token: tokens.body.refresh_token ?? '' })).toBe(404);
    const refreshed = await tokenRequest(idp.issuer, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token ?? '' });
    expect(refreshed.status).toBe(200);
  });

  it('each on its own', async () => {
    const noLogout = await discover(await idpWith({ endSession: false }));
    expect(noLogout).not.toHaveProperty('end_session_endpoint');
    expect(noLogout).toHaveProperty('revocation_endpoint');
    const noRevocation = await discover(await idpWith({ revocation: false }));
    expect(noRevocation).toHaveProperty('end_session_endpoint');
    expect(noRevocation).not.toHaveProperty('revocation_endpoint');
  });
});

describe('claimsInIdToken: false', () => {
  const PROFILE_CLAIMS = ['name', 'given_name', 'family_name', 'preferred_username', 'email', 'email_verified'];

  async function userinfo(idp: RunningIdp, accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('leaves profile and email claims out of the ID token; userinfo answers them', async () => {
    const idp = await idpWith({ claimsInIdToken: false });
    const tokens = await codeFlow(idp, { scope: 'openid profile email offline_access' });
    expect(tokens.status).toBe(200);
    const idToken = decodeJwt(tokens.body.id_token ?? '').payload;
    expect(idToken).toMatchObject({ sub: ALICE.sub, nonce: 'nonce-123', sid: expect.any(String) });
    for (const claim of PROFILE_CLAIMS) expect(idToken).not.toHaveProperty(claim);

    expect(await userinfo(idp, tokens.body.access_token ?? '')).toEqual({
      status: 200,
      body: {
        sub: ALICE.sub,
        name: ALICE.name,
        given_name: ALICE.givenName,
        family_name: ALICE.familyName,
        preferred_username: ALICE.username,
        email: ALICE.email,
        email_verified: true,
      },
    });

    // The same after a refresh.
    const refreshed = await tokenRequest(idp.issuer, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token ?? '' });
    expect(decodeJwt(refreshed.body.id_token ?? '').payload).not.toHaveProperty('name');
    expect((await userinfo(idp, refreshed.body.access_token ?? '')).body.email).toBe(ALICE.email);

    // The same through openid-client, as the BFF would do it.
    const config = await openidClient(idp);
    const viaClient = await openidClientFlow(config, false);
    expect(viaClient.claims()).not.toHaveProperty('email');
    expect(await oidc.fetchUserInfo(config, viaClient.access_token, ALICE.sub)).toMatchObject({ name: ALICE.name, email: ALICE.email });
  });

  it('refuses a resource at the token endpoint that the sign-in did not ask for (invalid_target)', async () => {
    const idp = await idpWith({ claimsInIdToken: false });
    const tokens = await codeFlow(idp, { scope: 'openid profile email', tokenParams: { resource: ORDERS_API } });
    expect(tokens).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
  });

  it('with an access token for a resource server, userinfo refuses it, and the ID token has the claims after all', async () => {
    const idp = await idpWith({ claimsInIdToken: false });
    // Resource scopes alone pick the orders API (no resource parameter anywhere) ...
    const implicit = await codeFlow(idp, { scope: 'openid profile email orders:read' });
    // ... or the resource is named at authorization and at the token endpoint.
    const explicit = await codeFlow(idp, {
      scope: 'openid profile email orders:read',
      resource: ORDERS_API,
      tokenParams: { resource: ORDERS_API },
    });
    for (const tokens of [implicit, explicit]) {
      expect(tokens.status).toBe(200);
      expect(decodeJwt(tokens.body.access_token ?? '').payload.aud).toBe(ORDERS_API);
      const refused = await userinfo(idp, tokens.body.access_token ?? '');
      expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
      // oidc-provider keeps the claims out of the ID token only when userinfo can answer them.
      expect(decodeJwt(tokens.body.id_token ?? '').payload).toMatchObject({ name: ALICE.name, email: ALICE.email });
    }
  });

  it('is not the default: the default ID token carries the claims', async () => {
    const idp = await idpWith({});
    const tokens = await codeFlow(idp, { scope: 'openid profile email' });
    expect(decodeJwt(tokens.body.id_token ?? '').payload).toMatchObject({ name: ALICE.name, email: ALICE.email });
    expect((await userinfo(idp, tokens.body.access_token ?? '')).body).toMatchObject({ name: ALICE.name, email: ALICE.email });
  });
});

describe('scopes', () => {
  it('narrows scopes_supported and claims_supported, and ignores a request for a scope it lacks', async () => {
    const idp = await idpWith({ scopes: ['openid', 'profile'] });
    const metadata = await discover(idp);
    expect(metadata.scopes_supported).toEqual(['openid', 'profile']);
    expect(metadata.claims_supported).toContain('name');
    expect(metadata.claims_supported).not.toContain('email');

    // Not refused: email, offline_access and an unknown scope are silently dropped.
    const tokens = await codeFlow(idp, { scope: 'openid profile email offline_access no-such-scope', prompt: 'consent' });
    expect(tokens.status).toBe(200);
    expect(tokens.body.scope).toBe('openid profile');
    const idToken = decodeJwt(tokens.body.id_token ?? '').payload;
    expect(idToken.name).toBe(ALICE.name);
    expect(idToken).not.toHaveProperty('email');
    // Refresh tokens do not depend on offline_access here (confidential client).
    expect(tokens.body.refresh_token).toEqual(expect.any(String));
  });

  it('drops offline_access alone', async () => {
    const idp = await idpWith({ scopes: ['openid', 'profile', 'email'] });
    const metadata = await discover(idp);
    expect(metadata.scopes_supported).toEqual(['openid', 'profile', 'email']);
    expect(metadata.grant_types_supported).toContain('refresh_token');
  });

  it('refuses scopes it cannot support, and a list without openid', async () => {
    await expect(idpWith({ scopes: ['openid', 'phone'] })).rejects.toThrow(/scopes: expected some of .* got phone/);
    await expect(idpWith({ scopes: ['profile', 'email'] })).rejects.toThrow(/openid/);
  });
});

describe('dpopNonces', () => {
  it('answers a DPoP proof without its nonce with use_dpop_nonce, and binds the token of the retry that carries it', async () => {
    const idp = await idpWith({ dpopNonces: true });
    const refused: string[] = [];
    idp.provider.on('grant.error', (_ctx: unknown, error: { error?: string }) => refused.push(error.error ?? 'error'));
    const config = await openidClient(idp);
    const DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    // openid-client retries once with the nonce of the IdP's DPoP-Nonce header.
    const tokens = await oidc.clientCredentialsGrant(config, { resource: ORDERS_API, scope: 'orders:read' }, { DPoP });
    expect(refused).toEqual(['use_dpop_nonce']);
    expect(tokens.token_type).toBe('dpop');
    expect(decodeJwt(tokens.access_token).payload.cnf).toEqual({ jkt: await DPoP.calculateThumbprint() });
  });
});

describe('signing-key rotation under a profile', () => {
  /** Verifies an RS256 JWS against the IdP's published JWKS; resolves the `kid` that signed it. */
  async function verifiedKid(idp: RunningIdp, jws: string): Promise<unknown> {
    const { keys } = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: NodeJsonWebKey[] };
    const { kid } = decodeJwt(jws).header;
    const jwk = keys.find((key) => key.kid === kid);
    expect(jwk, `kid ${String(kid)} published`).toBeDefined();
    const [header, payload, signature] = jws.split('.');
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      createPublicKey({ key: jwk ?? {}, format: 'jwk' }),
      Buffer.from(signature ?? '', 'base64url'),
    );
    expect(valid).toBe(true);
    return kid;
  }

  it('publishes and signs with the new key after a restart on the same port', async () => {
    const { privateKey, jwk } = await clientKeyPair('bff-key-rotation');
    const [current, next] = [generateSigningKey(), generateSigningKey()];
    const profile: Omit<IdpOptions, 'port' | 'clients'> = {
      clientAuthMethods: ['private_key_jwt'],
      pushedAuthorizationRequests: 'required',
      refreshTokens: false,
      endSession: false,
      revocation: false,
      claimsInIdToken: false,
      scopes: ['openid', 'profile', 'email'],
    };
    const clients = [bffClient({ origin: app.origin, tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [jwk] } })];
    const auth = oidc.PrivateKeyJwt({ key: privateKey, kid: jwk.kid });

    let idp = await startIdp({ ...profile, port: 0, clients, signingKeys: [current] });
    try {
      const before = await openidClientFlow(await openidClient(idp, auth), true);
      expect(await verifiedKid(idp, before.id_token ?? '')).toBe(current.kid);
      expect(before).not.toHaveProperty('refresh_token');

      await idp.close();
      // The failed fetch also drops any keep-alive socket to the closed server.
      await expect(fetch(`${idp.issuer}/jwks`)).rejects.toThrow();
      idp = await startIdp({ ...profile, port: idp.port, clients, signingKeys: [next, current] });
      const config = await openidClient(idp, auth);
      const after = await openidClientFlow(config, true);
      expect(await verifiedKid(idp, after.id_token ?? '')).toBe(next.kid);
      expect(after.claims()).not.toHaveProperty('email');
      expect(await oidc.fetchUserInfo(config, after.access_token, ALICE.sub)).toMatchObject({ email: ALICE.email });
      const { keys } = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
      expect(keys.map((key) => key.kid)).toEqual([next.kid, current.kid]);
    } finally {
      await idp.close();
    }
  });
});
