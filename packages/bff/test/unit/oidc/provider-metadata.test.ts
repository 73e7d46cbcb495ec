import type * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig, type BffConfig } from '../../../src/config.js';
import { checkMetadata } from '../../../src/oidc/provider-metadata.js';

const config = (extra: Partial<BffConfig> = {}) =>
  resolveConfig({
    baseUrl: 'http://localhost:3000',
    issuer: 'https://idp.example',
    clientId: 'bff',
    clientSecret: 'secret',
    cookieSecret: 'x'.repeat(32),
    ...extra,
  });

const complete: oidc.ServerMetadata = {
  issuer: 'https://idp.example',
  authorization_endpoint: 'https://idp.example/auth',
  token_endpoint: 'https://idp.example/token',
  jwks_uri: 'https://idp.example/jwks',
  userinfo_endpoint: 'https://idp.example/me',
};

function refusal(metadata: oidc.ServerMetadata, extra?: Partial<BffConfig>): ConfigError | undefined {
  try {
    checkMetadata(config(extra), metadata);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
}

describe('checkMetadata', () => {
  it('accepts a complete discovery document, defaulting to client_secret_basic when none is listed (RFC 8414)', () => {
    expect(refusal(complete)).toBeUndefined();
    expect(checkMetadata(config(), complete)).toMatchObject({
      pushedAuthorizationRequests: false,
      signingAlgorithms: ['RS256'],
      droppedScopes: [],
    });
  });

  it('names a missing endpoint', () => {
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
      const { [endpoint]: _missing, ...rest } = complete;
      expect(refusal(rest as oidc.ServerMetadata)?.message, endpoint).toContain(endpoint);
    }
    const { userinfo_endpoint: _none, ...withoutUserinfo } = complete;
    expect(refusal(withoutUserinfo, { userinfo: true })?.field).toBe('userinfo');
  });

  it('names what the IdP cannot do for this configuration', () => {
    expect(refusal({ ...complete, token_endpoint_auth_methods_supported: ['private_key_jwt'] })?.field).toBe('clientAuthentication');
    expect(refusal(complete, { clientAuthentication: 'client_secret_post' })?.field).toBe('clientAuthentication');
    expect(refusal({ ...complete, require_pushed_authorization_requests: true }, { pushedAuthorizationRequests: false })?.field).toBe(
      'pushedAuthorizationRequests',
    );
    expect(refusal(complete, { pushedAuthorizationRequests: true })?.field).toBe('pushedAuthorizationRequests');
    expect(refusal({ ...complete, code_challenge_methods_supported: ['plain'] })?.message).toContain('S256');
    expect(refusal({ ...complete, response_types_supported: ['id_token'] })?.message).toContain('code');
    expect(refusal({ ...complete, id_token_signing_alg_values_supported: ['none', 'HS256'] })?.message).toContain('asymmetric');
  });

  it('asks an IdP for DPoP-bound tokens only if it advertises DPoP with ES256', () => {
    const dpop = { apis: { orders: { baseUrl: 'https://orders.example', tokenBinding: 'dpop' as const } } };
    expect(refusal(complete, dpop)?.field).toBe('apis.orders.tokenBinding');
    expect(refusal({ ...complete, dpop_signing_alg_values_supported: ['RS256'] }, dpop)?.message).toContain('ES256');
    expect(refusal({ ...complete, dpop_signing_alg_values_supported: ['EdDSA', 'ES256'] }, dpop)).toBeUndefined();
    expect(refusal(complete)).toBeUndefined(); // bearer tokens need no DPoP at the IdP
  });

  it('drops default scopes the IdP does not list, never openid, and never a configured scope', () => {
    const metadata = { ...complete, scopes_supported: ['openid', 'profile'] };
    expect(checkMetadata(config(), metadata)).toMatchObject({ scope: 'openid profile', droppedScopes: ['email', 'offline_access'] });
    expect(checkMetadata(config({ scopes: ['openid', 'offline_access'] }), metadata)).toMatchObject({
      scope: 'openid offline_access',
      droppedScopes: [],
    });
  });
});
