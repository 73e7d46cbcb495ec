import type * as oidc from 'openid-client';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig, type BffConfig } from '../../src/config.js';
import { checkMetadata } from '../../src/oidc/provider-metadata.js';

/** A configuration that meets FAPI 2.0: private_key_jwt with ES256, every token-bearing API on DPoP. */
const fapi2: BffConfig = {
  profile: 'fapi2',
  baseUrl: 'http://localhost:3000',
  issuer: 'https://idp.example',
  clientId: 'bff',
  clientAuthentication: 'private_key_jwt',
  clientPrivateKey: { key: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'd', alg: 'ES256' } },
  cookieSecret: 'x'.repeat(32),
  apis: {
    orders: { baseUrl: 'https://api.example/orders', tokenBinding: 'dpop' },
    status: { baseUrl: 'https://api.example/status', token: 'none' },
  },
};

function refusal(config: BffConfig): ConfigError {
  try {
    resolveConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the configuration was accepted');
}

const fapiIdp: oidc.ServerMetadata = {
  issuer: 'https://idp.example',
  authorization_endpoint: 'https://idp.example/auth',
  token_endpoint: 'https://idp.example/token',
  jwks_uri: 'https://idp.example/jwks',
  pushed_authorization_request_endpoint: 'https://idp.example/par',
  require_pushed_authorization_requests: true,
  authorization_response_iss_parameter_supported: true,
  token_endpoint_auth_methods_supported: ['private_key_jwt'],
  dpop_signing_alg_values_supported: ['ES256', 'PS256'],
  id_token_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
};

describe("profile: 'fapi2' — the configuration", () => {
  it('is accepted when it meets the profile, and sends every authorization request through PAR', () => {
    const resolved = resolveConfig(fapi2);
    expect(resolved.profile).toBe('fapi2');
    expect(resolved.pushedAuthorizationRequests).toBe(true);
  });

  it('is refused with every gap named at once: a client secret, a bearer API, PAR turned off', () => {
    const error = refusal({
      ...fapi2,
      clientAuthentication: 'client_secret_basic',
      clientSecret: 'secret',
      pushedAuthorizationRequests: false,
      apis: { orders: { baseUrl: 'https://api.example/orders' }, reports: { baseUrl: 'https://api.example/r', token: 'client' } },
    });
    expect(error.field).toBe('profile');
    expect(error.message).toContain("clientAuthentication must be 'private_key_jwt'");
    expect(error.message).toContain('pushedAuthorizationRequests must not be false');
    expect(error.message).toContain("apis.orders.tokenBinding must be 'dpop'");
    expect(error.message).toContain("apis.reports.tokenBinding must be 'dpop'");
  });

  it('refuses a client assertion key for an algorithm outside PS256, ES256 and EdDSA', () => {
    const error = refusal({ ...fapi2, clientPrivateKey: { key: '-----BEGIN PRIVATE KEY-----', alg: 'RS256' } });
    expect(error.message).toContain('clientPrivateKey.alg must be one of PS256, ES256, EdDSA (it is RS256)');
  });

  it('refuses a profile it does not know', () => {
    expect(refusal({ ...fapi2, profile: 'fapi1' as 'fapi2' }).field).toBe('profile');
  });
});

describe("profile: 'fapi2' — the identity provider at discovery", () => {
  it('accepts an IdP that offers the profile, and then takes ID tokens signed with the FAPI algorithms only', () => {
    expect(checkMetadata(resolveConfig(fapi2), fapiIdp).signingAlgorithms).toEqual(['PS256', 'ES256']);
    // Without the profile, any asymmetric algorithm the IdP lists.
    expect(checkMetadata(resolveConfig({ ...fapi2, profile: undefined }), fapiIdp).signingAlgorithms).toEqual(['RS256', 'PS256', 'ES256']);
  });

  it('refuses an IdP without PAR, RFC 9207 iss, DPoP or a FAPI signing algorithm, naming each', () => {
    let error: unknown;
    try {
      const { pushed_authorization_request_endpoint: _par, dpop_signing_alg_values_supported: _dpop, ...lacking } = fapiIdp;
      checkMetadata(resolveConfig(fapi2), {
        ...lacking,
        require_pushed_authorization_requests: false,
        authorization_response_iss_parameter_supported: false,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('profile');
    for (const gap of [
      'pushed_authorization_request_endpoint',
      'authorization_response_iss_parameter_supported',
      'dpop_signing_alg_values_supported',
      'id_token_signing_alg_values_supported lists RS256',
    ])
      expect((error as ConfigError).message).toContain(gap);
  });
});
