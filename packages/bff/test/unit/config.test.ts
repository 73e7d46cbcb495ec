import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig, type BffConfig } from '../../src/config.js';

const valid: BffConfig = {
  baseUrl: 'http://localhost:3000',
  issuer: 'http://127.0.0.1:4000',
  clientId: 'bff',
  clientSecret: 'secret',
  cookieSecret: 'x'.repeat(32),
  apis: { orders: { baseUrl: 'http://127.0.0.1:4001' } },
};

function fieldOf(config: unknown): string | undefined {
  try {
    resolveConfig(config as BffConfig);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).field;
  }
}

describe('resolveConfig', () => {
  it('fills the defaults', () => {
    const config = resolveConfig(valid);
    expect(config.basePath).toBe('/bff');
    expect(config.redirectUri).toBe('http://localhost:3000/bff/callback');
    expect(config.postLogoutRedirectUri).toBe('http://localhost:3000/bff/logout/callback');
    expect(config.scopes).toEqual(['openid', 'profile', 'email', 'offline_access']);
    expect(config.apis.orders?.token).toBe('user');
    expect(config.insecureIssuer).toBe(true);
  });

  it('names the bad field', () => {
    expect(fieldOf({ ...valid, cookieSecret: undefined })).toBe('cookieSecret');
    expect(fieldOf({ ...valid, cookieSecret: 'short' })).toBe('cookieSecret');
    expect(fieldOf({ ...valid, cookieSecret: ['x'.repeat(32), 'short'] })).toBe('cookieSecret');
    expect(fieldOf({ ...valid, issuer: 'not a url' })).toBe('issuer');
    expect(fieldOf({ ...valid, issuer: 'http://idp.example.com' })).toBe('issuer');
    expect(fieldOf({ ...valid, baseUrl: undefined })).toBe('baseUrl');
    expect(fieldOf({ ...valid, clientSecret: '' })).toBe('clientSecret');
    expect(fieldOf({ ...valid, apis: { orders: {} } })).toBe('apis.orders.baseUrl');
    expect(fieldOf({ ...valid, apis: { orders: { baseUrl: 'nope' } } })).toBe('apis.orders.baseUrl');
    expect(fieldOf({ ...valid, apis: { orders: { baseUrl: 'http://x', token: 'admin' } } })).toBe('apis.orders.token');
    expect(fieldOf({ ...valid, apis: { 'a/b': { baseUrl: 'http://x' } } })).toBe('apis.a/b');
    expect(fieldOf({ ...valid, basePath: 'bff/' })).toBe('basePath');
    expect(fieldOf({ ...valid, session: { idleTimeout: 7200, absoluteLifetime: 3600 } })).toBe('session.idleTimeout');
    expect(fieldOf({ ...valid, session: { absoluteLifetime: -1 } })).toBe('session.absoluteLifetime');
    expect(fieldOf({ ...valid, session: { store: 'redis' } })).toBe('session.store');
    expect(fieldOf({ ...valid, admin: { token: 'short' } })).toBe('admin.token');
    expect(fieldOf(valid)).toBeUndefined();
  });

  it("checks each API's tokenBinding, and that APIs sharing a user token agree on it", () => {
    const api = (extra: object) => ({ baseUrl: 'http://127.0.0.1:4001', resource: 'https://api.example/orders', ...extra });
    expect(resolveConfig(valid).apis.orders?.tokenBinding).toBe('bearer');
    expect(fieldOf({ ...valid, apis: { orders: api({ tokenBinding: 'mtls' }) } })).toBe('apis.orders.tokenBinding');
    expect(fieldOf({ ...valid, apis: { orders: api({ tokenBinding: 'dpop', token: 'none' }) } })).toBe('apis.orders.tokenBinding');
    // One resource, one user token: it cannot be bound for one API and a bearer token for the other.
    const sharing = { orders: api({ tokenBinding: 'dpop' }), legacy: api({}) };
    expect(fieldOf({ ...valid, apis: sharing })).toBe('apis.legacy.tokenBinding');
    // An API without a resource gets the sign-in's token, the first user API's.
    expect(fieldOf({ ...valid, apis: { orders: api({ tokenBinding: 'dpop' }), misc: { baseUrl: 'http://x' } } })).toBe(
      'apis.misc.tokenBinding',
    );
    // The BFF's own client token is another token: its binding is free.
    expect(fieldOf({ ...valid, apis: { orders: api({ tokenBinding: 'dpop' }), backOffice: api({ token: 'client' }) } })).toBeUndefined();
    const mixed = { orders: api({ tokenBinding: 'dpop' }), reports: api({ resource: 'https://api.example/reports' }) };
    expect(fieldOf({ ...valid, apis: mixed })).toBeUndefined();
    // A public client's refresh token is bound to the DPoP key: every refresh needs a proof.
    expect(fieldOf({ ...valid, clientAuthentication: 'none', clientSecret: undefined, apis: mixed })).toBe('apis');
  });

  it('checks the IdP-facing settings: client authentication, PAR, scopes, authorization and login parameters', () => {
    expect(fieldOf({ ...valid, clientAuthentication: 'client_secret_jwt' })).toBe('clientAuthentication');
    expect(fieldOf({ ...valid, clientAuthentication: 'client_secret_post', clientSecret: undefined })).toBe('clientSecret');
    expect(fieldOf({ ...valid, clientAuthentication: 'private_key_jwt', clientSecret: undefined })).toBe('clientPrivateKey');
    expect(fieldOf({ ...valid, clientAuthentication: 'none', clientSecret: undefined })).toBeUndefined();
    expect(fieldOf({ ...valid, pushedAuthorizationRequests: 'always' })).toBe('pushedAuthorizationRequests');
    expect(fieldOf({ ...valid, scopes: ['profile'] })).toBe('scopes');
    expect(fieldOf({ ...valid, scopes: ['openid', 'two words'] })).toBe('scopes');
    expect(fieldOf({ ...valid, authorizationParameters: { redirect_uri: 'https://evil.example' } })).toBe(
      'authorizationParameters.redirect_uri',
    );
    expect(fieldOf({ ...valid, authorizationParameters: { state: 'fixed' } })).toBe('authorizationParameters.state');
    expect(fieldOf({ ...valid, authorizationParameters: { max_age: 60 } })).toBe('authorizationParameters.max_age');
    expect(fieldOf({ ...valid, loginParameters: ['prompt', 'redirect_uri'] })).toBe('loginParameters');
    const config = resolveConfig({
      ...valid,
      authorizationParameters: { audience: 'https://api.example.com' },
      loginParameters: ['prompt'],
    });
    expect(config).toMatchObject({
      clientAuthentication: 'client_secret_basic',
      pushedAuthorizationRequests: 'auto',
      userinfo: false,
      loginParameters: ['prompt'],
    });
    expect(config.scopesAreDefault).toBe(true);
    expect(resolveConfig({ ...valid, scopes: ['openid', 'email'] }).scopesAreDefault).toBe(false);
  });

  it('refuses a baseUrl over plain http on a host that is not loopback, explaining the __Host- cookies', () => {
    for (const baseUrl of ['http://192.168.1.10:3000', 'http://app.test', 'http://example.com']) {
      expect(fieldOf({ ...valid, baseUrl }), baseUrl).toBe('baseUrl');
    }
    expect(() => resolveConfig({ ...valid, baseUrl: 'http://app.test' })).toThrow(/__Host- cookies.*Secure/);
    for (const baseUrl of [
      'http://localhost:3000',
      'http://app.localhost:5173',
      'http://127.0.0.1:3000',
      'http://127.1.2.3',
      'http://[::1]:3000',
      'https://app.test',
    ]) {
      expect(fieldOf({ ...valid, baseUrl }), baseUrl).toBeUndefined();
    }
  });

  it('refuses a baseUrl with a path (the cookies live on the whole origin; basePath moves the routes)', () => {
    expect(fieldOf({ ...valid, baseUrl: 'https://example.com/app' })).toBe('baseUrl');
    expect(() => resolveConfig({ ...valid, baseUrl: 'https://example.com/app' })).toThrow(/basePath/);
    expect(fieldOf({ ...valid, baseUrl: 'https://example.com/?x=1' })).toBe('baseUrl');
    expect(fieldOf({ ...valid, baseUrl: 'https://example.com/' })).toBeUndefined();
    expect(resolveConfig({ ...valid, baseUrl: 'https://example.com', basePath: '/app/bff' }).redirectUri).toBe(
      'https://example.com/app/bff/callback',
    );
  });

  it('checks the cookie name and the error path', () => {
    expect(fieldOf({ ...valid, cookieName: 'bad name' })).toBe('cookieName');
    expect(fieldOf({ ...valid, cookieName: 'a;b' })).toBe('cookieName');
    expect(fieldOf({ ...valid, errorPath: 'https://evil.example/' })).toBe('errorPath');
    expect(fieldOf({ ...valid, errorPath: '//evil.example' })).toBe('errorPath');
    expect(fieldOf({ ...valid, errorPath: '/signin?x=1' })).toBe('errorPath');
    expect(resolveConfig({ ...valid, cookieName: 'shop', errorPath: '/signin' })).toMatchObject({
      cookieName: 'shop',
      errorPath: '/signin',
    });
    expect(resolveConfig(valid)).toMatchObject({ cookieName: 'cloakroom', errorPath: '/', redirectToBaseUrl: true });
  });

  it('seals with the newest secret: the last of an array, the highest id of a record', () => {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    expect(resolveConfig({ ...valid, cookieSecret: [a, b] }).cookiePasswords).toEqual({ 1: a, 2: b });
    expect(resolveConfig({ ...valid, cookieSecret: { 7: b, 3: a } }).cookiePasswords).toEqual({ 7: b, 3: a });
  });
});
