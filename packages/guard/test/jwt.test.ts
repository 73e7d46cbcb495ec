import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { ORDERS_API, REPORTS_API, generateSigningKey } from '@cloakroom/idp';
import type { RunningIdp } from '@cloakroom/idp';
import { SignJWT, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessTokenVerifier } from '../src/index.js';
import { accessTokenClaims, bearer, expectRefusal, invalidToken, protectedApp, sign, startTestIdp, unsecuredJwt } from './support.js';
import { clientToken, decodeJwt } from '@cloakroom/idp/testing';

let idp: RunningIdp;
/** The IdP's private signing key: tokens signed with it carry a valid signature. */
let idpKey: Record<string, unknown>;
let api: ReturnType<typeof protectedApp>;
let genuine: string;
/** Why each refusal happened, as `onError` reports it (the response never says). */
const reasons: string[] = [];

const realm = ORDERS_API;

beforeAll(async () => {
  ({ idp, signingKey: idpKey } = await startTestIdp());
  api = protectedApp({ issuer: idp.issuer, audience: ORDERS_API, typ: 'at+jwt', onError: (error) => reasons.push(error.message) });
  genuine = await clientToken(idp.issuer, ORDERS_API, 'orders:read orders:write');
});

afterAll(() => idp.close());

/** A token with a valid signature by the IdP's key, and these claims. */
const signed = (overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
  sign(accessTokenClaims(idp.issuer, ORDERS_API, overrides), idpKey, header);

/** Expects 401 invalid_token, refused for `reason` (so a forgery cannot pass this test by failing another check). */
async function expectInvalid(token: string, reason: RegExp) {
  const body = await expectRefusal(await api.request('/read', { headers: bearer(token) }), 401, 'invalid_token', invalidToken(realm));
  expect(reasons.at(-1)).toMatch(reason);
  return body;
}

const SIGNATURE = /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/;
const ALG = /ERR_JOSE_ALG_NOT_ALLOWED/;

describe('genuine JWT access tokens from the dev IdP', () => {
  it('are accepted, with their claims on the context', async () => {
    expect(decodeJwt(genuine).header).toMatchObject({ typ: 'at+jwt', alg: 'RS256', kid: idpKey.kid });
    const response = await api.request('/read', { headers: bearer(genuine) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      iss: idp.issuer,
      aud: ORDERS_API,
      sub: 'cloakroom-bff',
      client_id: 'cloakroom-bff',
      scope: 'orders:read orders:write',
    });
    expect((await api.request('/write', { method: 'POST', headers: bearer(genuine) })).status).toBe(200);
  });

  it('are accepted when the test signs them with the key the IdP publishes (the forgeries below differ in one thing each)', async () => {
    expect((await api.request('/read', { headers: bearer(await signed()) })).status).toBe(200);
  });
});

describe('forged or unacceptable JWTs are refused with 401 invalid_token, and nothing more', () => {
  it('a payload altered after signing (bad signature)', async () => {
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const altered = Buffer.from(JSON.stringify({ ...claims, sub: 'alice' })).toString('base64url');
    await expectInvalid(`${header}.${altered}.${signature}`, SIGNATURE);
    await expectInvalid(`${header}.${payload}.${signature.slice(0, -4)}AAAA`, SIGNATURE);
  });

  it('a token signed by another key that claims the IdP key id', async () => {
    const attacker = generateSigningKey();
    await expectInvalid(await sign(accessTokenClaims(idp.issuer, ORDERS_API), { ...attacker, kid: idpKey.kid }), SIGNATURE);
  });

  it('a token signed by an unknown key (unknown kid), or naming no key', async () => {
    await expectInvalid(await sign(accessTokenClaims(idp.issuer, ORDERS_API), generateSigningKey()), /ERR_JWKS_NO_MATCHING_KEY/);
    // The IdP's own key, but a `kid` that names no key: still no key (however the lookup is cached).
    await expectInvalid(await signed({}, { kid: 42 }), /ERR_JWKS_NO_MATCHING_KEY/);
    await expectInvalid(await signed({}, { kid: '' }), /ERR_JWKS_NO_MATCHING_KEY/);
  });

  it('a token carrying its own key in the header (jwk / jku / x5u are never trusted)', async () => {
    const attacker = generateSigningKey();
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...attackerPublic } = attacker;
    await expectInvalid(
      await sign(accessTokenClaims(idp.issuer, ORDERS_API), attacker, { jwk: attackerPublic, kid: undefined }),
      SIGNATURE,
    );
    await expectInvalid(
      await sign(accessTokenClaims(idp.issuer, ORDERS_API), attacker, { jku: 'https://attacker.example/jwks', kid: attacker.kid }),
      /ERR_JWKS_NO_MATCHING_KEY/,
    );
  });

  it('alg "none" (an unsecured JWT), with and without a signature part', async () => {
    const claims = accessTokenClaims(idp.issuer, ORDERS_API);
    await expectInvalid(unsecuredJwt(claims), ALG);
    await expectInvalid(unsecuredJwt(claims, { kid: idpKey.kid }), ALG);
    await expectInvalid(`${unsecuredJwt(claims)}${genuine.split('.')[2]}`, ALG);
    await expectInvalid(unsecuredJwt(claims, { alg: 'None' }), ALG);
  });

  it('HS256 keyed with the IdP public key (algorithm confusion), in every encoding of that key', async () => {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = idpKey;
    const publicKey = createPublicKey({ key: publicJwk as JsonWebKey, format: 'jwk' });
    const secrets = [
      Buffer.from(publicKey.export({ type: 'spki', format: 'pem' })),
      Buffer.from(publicKey.export({ type: 'pkcs1', format: 'pem' })),
      publicKey.export({ type: 'spki', format: 'der' }),
      Buffer.from(JSON.stringify(publicJwk)),
      Buffer.from(String(publicJwk.n), 'base64url'),
    ];
    for (const secret of secrets) {
      const token = await new SignJWT(accessTokenClaims(idp.issuer, ORDERS_API))
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: idpKey.kid as string })
        .sign(new Uint8Array(secret));
      await expectInvalid(token, ALG);
    }
  });

  it('a wrong issuer', async () => {
    await expectInvalid(await signed({ iss: 'https://idp.attacker.example' }), /"iss"/);
    await expectInvalid(await signed({ iss: `${idp.issuer}/` }), /"iss"/);
    await expectInvalid(await signed({ iss: undefined }), /"iss"/);
  });

  it('a wrong audience: a genuine token for the reports API, and forged ones', async () => {
    await expectInvalid(await clientToken(idp.issuer, REPORTS_API, 'reports:read'), /"aud"/);
    await expectInvalid(await signed({ aud: 'https://api.cloakroom.test/order' }), /"aud"/);
    await expectInvalid(await signed({ aud: [REPORTS_API] }), /"aud"/);
    await expectInvalid(await signed({ aud: undefined }), /"aud"/);
  });

  it('an expired token (beyond the 5 s clock tolerance), and one without exp', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectInvalid(await signed({ iat: now - 600, exp: now - 60 }), /ERR_JWT_EXPIRED/);
    await expectInvalid(await signed({ iat: now - 600, exp: now - 6 }), /ERR_JWT_EXPIRED/);
    await expectInvalid(await signed({ exp: undefined }), /missing required "exp"/);
    // Within the tolerance: still accepted.
    expect((await api.request('/read', { headers: bearer(await signed({ iat: now - 300, exp: now - 2 })) })).status).toBe(200);
  });

  it('nbf in the future, and iat in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectInvalid(await signed({ nbf: now + 60 }), /"nbf"/);
    await expectInvalid(await signed({ iat: now + 60 }), /"iat"/);
    expect((await api.request('/read', { headers: bearer(await signed({ nbf: now + 2, iat: now + 2 })) })).status).toBe(200);
  });

  it('a JWT that is not an RFC 9068 access token: typ JWT (e.g. an ID token), or a required claim missing', async () => {
    await expectInvalid(await signed({}, { typ: 'JWT' }), /"typ"/);
    await expectInvalid(await signed({}, { typ: undefined }), /"typ"/);
    for (const claim of ['sub', 'client_id', 'jti', 'iat']) {
      await expectInvalid(await signed({ [claim]: undefined }), new RegExp(`missing required "${claim}"`));
    }
    // `application/at+jwt` is the same media type (RFC 9068 §2.1).
    expect((await api.request('/read', { headers: bearer(await signed({}, { typ: 'application/at+jwt' })) })).status).toBe(200);
  });

  it('a sender-constrained token (cnf) presented as a bearer token, and malformed claim types', async () => {
    await expectInvalid(await signed({ cnf: { jkt: 'thumbprint' } }), /"cnf": a sender-constrained token presented as a bearer token/);
    await expectInvalid(await signed({ cnf: { 'x5t#S256': 'certificate-thumbprint' } }), /"cnf": a sender-constrained/);
    await expectInvalid(await signed({ scope: ['orders:read'] }), /"scope"/);
    await expectInvalid(await signed({ sub: 42 }), /"sub"/);
    await expectInvalid(await signed({ acr: 2 }), /"acr"/);
    await expectInvalid(await signed({ auth_time: 'this morning' }), /"auth_time"/);
    await expectInvalid(await signed({ exp: '9999999999' }), /"exp"/);
  });

  it('garbage, a JWE-shaped token, and an unsupported critical header', async () => {
    await expectInvalid('not.a.jwt', /ERR_JWS_INVALID/);
    await expectInvalid('opaque-looking-token', /ERR_JWS_INVALID/);
    await expectInvalid('a.b.c.d.e', /ERR_JWS_INVALID/);
    const critical = await new SignJWT(accessTokenClaims(idp.issuer, ORDERS_API))
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: idpKey.kid as string, crit: ['urn:example:bind'], 'urn:example:bind': true })
      .sign(await importJWK(idpKey, 'RS256'), { crit: { 'urn:example:bind': true } });
    await expectInvalid(critical, /ERR_JOSE_NOT_SUPPORTED/);
  });

  it('says the same thing whatever was wrong: no error_description, one generic detail', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bodies = [
      await expectInvalid(await signed({ exp: now - 60 }), /ERR_JWT_EXPIRED/),
      await expectInvalid(await signed({ aud: REPORTS_API }), /"aud"/),
      await expectInvalid(unsecuredJwt(accessTokenClaims(idp.issuer, ORDERS_API)), ALG),
    ];
    expect(new Set(bodies.map((body) => JSON.stringify(body))).size).toBe(1);
  });
});

describe('scopes', () => {
  it('answers 403 insufficient_scope naming the scope the route needs', async () => {
    const readOnly = await clientToken(idp.issuer, ORDERS_API, 'orders:read');
    expect((await api.request('/read', { headers: bearer(readOnly) })).status).toBe(200);
    await expectRefusal(
      await api.request('/write', { method: 'POST', headers: bearer(readOnly) }),
      403,
      'insufficient_scope',
      `Bearer realm="${realm}", error="insufficient_scope", scope="orders:write"`,
    );
    const none = await signed({ scope: undefined });
    await expectRefusal(
      await api.request('/read', { headers: bearer(none) }),
      403,
      'insufficient_scope',
      `Bearer realm="${realm}", error="insufficient_scope", scope="orders:read"`,
    );
  });

  it('reads scp as an array or a space-separated string when scope is absent', async () => {
    for (const scp of [['orders:read', 'orders:write'], 'orders:read orders:write']) {
      const token = await signed({ scope: undefined, scp });
      expect((await api.request('/write', { method: 'POST', headers: bearer(token) })).status).toBe(200);
    }
  });
});

describe('algorithm allowlist', () => {
  it('refuses to be configured with none or a symmetric algorithm', () => {
    const base = { issuer: 'https://idp.example', audience: ORDERS_API };
    for (const algorithms of [['none'], ['HS256'], ['RS256', 'HS512'], [], ['XX999']]) {
      expect(() => createAccessTokenVerifier({ ...base, algorithms })).toThrow(TypeError);
    }
  });

  it('refuses a genuine algorithm that is not on a configured list', async () => {
    const es256Only = protectedApp({ issuer: idp.issuer, audience: ORDERS_API, typ: 'at+jwt', algorithms: ['ES256'] });
    const response = await es256Only.request('/read', { headers: bearer(genuine) });
    await expectRefusal(response, 401, 'invalid_token', invalidToken(realm));
  });

  it('accepts another asymmetric algorithm when the JWKS has its key', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecKey = { ...privateKey.export({ format: 'jwk' }), kid: 'ec-key', alg: 'ES256', use: 'sig' };
    const other = await startTestIdp({ signingKeys: [idpKey, ecKey] });
    try {
      const app = protectedApp({ issuer: other.idp.issuer, audience: ORDERS_API, typ: 'at+jwt', algorithms: ['ES256'] });
      const token = await sign(accessTokenClaims(other.idp.issuer, ORDERS_API), ecKey);
      expect((await app.request('/read', { headers: bearer(token) })).status).toBe(200);
    } finally {
      await other.idp.close();
    }
  });
});
