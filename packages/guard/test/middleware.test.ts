import { generateSigningKey } from '@cloakroom/idp';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidRequest,
  MissingToken,
  challenge,
  createAccessTokenVerifier,
  errorResponse,
  extractBearerToken,
  grantedScopes,
  requireAccessToken,
  requireScope,
} from '../src/index.js';
import type { AccessTokenClaims, AccessTokenEnv, AccessTokenOptions, GuardError } from '../src/index.js';
import { startLoopbackServer } from '@cloakroom/test-harness/loopback';
import { accessTokenClaims, bearer, expectRefusal, invalidToken, protectedApp, sign } from './support.js';

const AUDIENCE = 'https://api.example/orders';
const key = generateSigningKey();
let issuer: string;
let jwks: Awaited<ReturnType<typeof startLoopbackServer>>;
let token: string;

beforeAll(async () => {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicKey } = key;
  jwks = await startLoopbackServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicKey] })),
  );
  issuer = `${jwks.url}/issuer`;
  token = await sign(accessTokenClaims(issuer, AUDIENCE), key);
});

afterAll(() => jwks.close());

const options = (overrides: Partial<AccessTokenOptions> = {}): AccessTokenOptions => ({
  issuer,
  audience: AUDIENCE,
  typ: 'at+jwt',
  jwks: { uri: `${jwks.url}/jwks` },
  ...overrides,
});

describe('the Authorization header (RFC 6750 §2.1)', () => {
  it('answers a request without a token with 401 and a bare challenge: realm, no error code', async () => {
    const api = protectedApp(options());
    const others = ['Basic YWxpY2U6c2VjcmV0', 'Digest username="alice"', `BearerX ${token}`, `Bearer-like ${token}`];
    for (const headers of [{}, ...others.map((authorization) => ({ authorization }))]) {
      await expectRefusal(await api.request('/read', { headers }), 401, 'missing_token', `Bearer realm="${AUDIENCE}"`);
    }
  });

  it('answers a malformed header with 400 invalid_request', async () => {
    const api = protectedApp(options());
    const malformed = [
      'Bearer',
      'Bearer ',
      `Bearer ${token} ${token}`,
      `Bearer ${token}, Bearer ${token}`,
      `Bearer "${token}"`,
      'Bearer abc$def',
      'Bearer a=b',
      `Bearer\t${token}`,
    ];
    for (const authorization of malformed) {
      await expectRefusal(
        await api.request('/read', { headers: { authorization } }),
        400,
        'invalid_request',
        `Bearer realm="${AUDIENCE}", error="invalid_request"`,
      );
    }
  });

  it('answers two Authorization headers with 400 invalid_request', async () => {
    const api = protectedApp(options());
    const headers = new Headers();
    headers.append('authorization', `Bearer ${token}`);
    headers.append('authorization', `Bearer ${token}`);
    await expectRefusal(
      await api.request('/read', { headers }),
      400,
      'invalid_request',
      `Bearer realm="${AUDIENCE}", error="invalid_request"`,
    );
  });

  it('refuses a token in the URL, alone or together with the header, with 400 invalid_request', async () => {
    const api = protectedApp(options());
    for (const headers of [{}, bearer(token)]) {
      await expectRefusal(
        await api.request(`/read?access_token=${token}`, { headers }),
        400,
        'invalid_request',
        `Bearer realm="${AUDIENCE}", error="invalid_request"`,
      );
    }
  });

  it('accepts the scheme in any case, and b64token padding', async () => {
    const api = protectedApp(options());
    expect((await api.request('/read', { headers: { authorization: `bearer ${token}` } })).status).toBe(200);
    expect((await api.request('/read', { headers: { authorization: `BEARER  ${token}` } })).status).toBe(200);
    expect(extractBearerToken(new Request('http://x/', { headers: { authorization: 'Bearer a.b-c_d~e+f/g==' } }))).toBe('a.b-c_d~e+f/g==');
    expect(() => extractBearerToken(new Request('http://x/?other=access_token'))).toThrow(MissingToken);
    expect(() => extractBearerToken(new Request('http://x/?access_token=x'))).toThrow(InvalidRequest);
  });
});

describe('requireAccessToken and requireScope', () => {
  it('types the claims on the context', async () => {
    const app = new Hono<AccessTokenEnv<AccessTokenClaims & { sub: string }>>();
    app.use(requireAccessToken<AccessTokenClaims & { sub: string }>(options()));
    app.get('/me', requireScope('orders:read'), (c) => c.text(c.get('token').sub.toUpperCase()));
    expect(await (await app.request('/me', { headers: bearer(token) })).text()).toBe('ALICE');
  });

  it('needs every listed scope, and announces all of them', async () => {
    const app = new Hono<AccessTokenEnv>();
    app.use(requireAccessToken(options()));
    app.get('/both', requireScope('orders:read', 'orders:admin'), (c) => c.text('ok'));
    await expectRefusal(
      await app.request('/both', { headers: bearer(token) }),
      403,
      'insufficient_scope',
      `Bearer realm="${AUDIENCE}", error="insufficient_scope", scope="orders:read orders:admin"`,
    );
  });

  it('fails closed (500) when requireScope runs without requireAccessToken', async () => {
    const app = new Hono();
    app.get('/', requireScope('orders:read'), (c) => c.text('should not be reached'));
    app.onError((error, c) => c.text(error.message, 500));
    expect((await app.request('/', { headers: bearer(token) })).status).toBe(500);
  });

  it('refuses invalid scope names at configuration', () => {
    for (const scopes of [[], ['two words'], ['quote"d'], ['back\\slash'], ['']]) expect(() => requireScope(...scopes)).toThrow(TypeError);
  });

  it('reports why it refused to onError, never in the response; takes a realm, or none', async () => {
    const seen: GuardError[] = [];
    const api = protectedApp(options({ realm: 'orders "api"', onError: (error) => seen.push(error) }));
    const response = await api.request('/read', { headers: bearer(await sign(accessTokenClaims(issuer, 'https://other.example'), key)) });
    await expectRefusal(response, 401, 'invalid_token', 'Bearer realm="orders \\"api\\"", error="invalid_token"');
    expect(seen.map((error) => [error.code, error.message])).toEqual([['invalid_token', expect.stringContaining('"aud"')]]);

    const anonymous = protectedApp(options({ realm: '' }));
    await expectRefusal(await anonymous.request('/read'), 401, 'missing_token', 'Bearer');
  });

  it('refuses a misconfiguration at once', () => {
    expect(() => requireAccessToken(options({ issuer: 'not a url' }))).toThrow(TypeError);
    expect(() => requireAccessToken(options({ audience: [] }))).toThrow(TypeError);
    expect(() => requireAccessToken(options({ clockTolerance: -1 }))).toThrow(TypeError);
    expect(() => requireAccessToken(options({ jwks: { uri: 'nope' } }))).toThrow(TypeError);
  });
});

describe('revocation hook (e.g. a jti deny-list)', () => {
  it('refuses a JWT whose jti is denied', async () => {
    const denied = new Set<string>();
    const api = protectedApp(options({ isRevoked: (claims, format) => format === 'jwt' && denied.has(claims.jti ?? '') }));
    const revoked = await sign(accessTokenClaims(issuer, AUDIENCE, { jti: 'revoked-jti' }), key);
    expect((await api.request('/read', { headers: bearer(revoked) })).status).toBe(200);
    denied.add('revoked-jti');
    await expectRefusal(await api.request('/read', { headers: bearer(revoked) }), 401, 'invalid_token', invalidToken(AUDIENCE));
    expect((await api.request('/read', { headers: bearer(token) })).status).toBe(200);
  });

  it('fails closed with 503 when the deny-list cannot be read', async () => {
    const api = protectedApp(
      options({
        isRevoked: () => {
          throw new Error('redis down');
        },
      }),
    );
    await expectRefusal(await api.request('/read', { headers: bearer(token) }), 503, 'temporarily_unavailable', null);
  });
});

describe('verifier, errors and scopes, directly', () => {
  it('verifies outside Hono', async () => {
    const verifier = createAccessTokenVerifier(options());
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'alice', aud: AUDIENCE });
    await expect(verifier.verify('nope')).rejects.toMatchObject({ code: 'invalid_token', status: 401 });
  });

  it('renders RFC 6750 challenges and problem details', async () => {
    expect(challenge(new MissingToken('x'))).toBe('Bearer');
    const response = errorResponse(new InvalidRequest('internal reason'), { realm: 'r' });
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="r", error="invalid_request"');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400, code: 'invalid_request' });
    expect(JSON.stringify(body)).not.toContain('internal reason');
  });

  it('reads granted scopes from scope, else scp', () => {
    expect([...grantedScopes({ scope: 'a  b' })]).toEqual(['a', 'b']);
    expect([...grantedScopes({ scp: ['a', 'b'] })]).toEqual(['a', 'b']);
    expect([...grantedScopes({ scope: 'a', scp: ['b'] })]).toEqual(['a']);
    expect([...grantedScopes({ scp: [1] })]).toEqual([]);
    expect([...grantedScopes({})]).toEqual([]);
  });
});
