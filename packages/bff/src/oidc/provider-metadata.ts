import type * as oidc from 'openid-client';
import { ConfigError, type ResolvedConfig } from '../config.js';
import { idpTakesOurProofs } from '../dpop/keys.js';
import { fapi2SigningAlgorithms } from '../security-profile.js';
import { loginScopes } from './token-targets.js';

/** What the BFF takes from the IdP's discovery document once it has checked it. */
export interface ProviderProfile {
  /** The `scope` of authorization requests. */
  scope: string;
  /** Default scopes left out because the IdP's `scopes_supported` does not list them. */
  droppedScopes: string[];
  /** Send authorization requests through PAR (RFC 9126). */
  pushedAuthorizationRequests: boolean;
  /** Signature algorithms accepted on the IdP's JWTs (ID tokens, logout tokens): never `none` or HMAC. */
  signingAlgorithms: string[];
  jwksUri: string;
}

/**
 * Checks the discovery document (OpenID Connect Discovery 1.0, RFC 8414) against the configuration,
 * so that a mismatch is one clear {@link ConfigError} at discovery instead of a failure at every sign-in.
 */
export function checkMetadata(config: ResolvedConfig, metadata: oidc.ServerMetadata): ProviderProfile {
  const missing = (name: string) => new ConfigError('issuer', `publishes no ${name} in its discovery document`);
  if (!metadata.authorization_endpoint) throw missing('authorization_endpoint');
  if (!metadata.token_endpoint) throw missing('token_endpoint');
  if (!metadata.jwks_uri) throw missing('jwks_uri');
  if (config.userinfo && !metadata.userinfo_endpoint)
    throw new ConfigError('userinfo', 'is on, but the identity provider publishes no userinfo_endpoint');
  const asymmetric = (metadata.id_token_signing_alg_values_supported ?? ['RS256']).filter((alg) => alg !== 'none' && !alg.startsWith('HS'));
  // First: a profile's own check names everything the IdP lacks for it at once.
  const signingAlgorithms = config.profile === 'fapi2' ? fapi2SigningAlgorithms(metadata, asymmetric) : asymmetric;
  if (metadata.response_types_supported && !metadata.response_types_supported.includes('code')) {
    throw new ConfigError('issuer', 'does not support the authorization code flow (response_types_supported lacks "code")');
  }
  if (metadata.code_challenge_methods_supported && !metadata.code_challenge_methods_supported.includes('S256')) {
    throw new ConfigError('issuer', 'does not support PKCE with S256 (code_challenge_methods_supported)');
  }

  // RFC 8414 §2: when the list is omitted, the default is client_secret_basic.
  const authMethods = metadata.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  if (!authMethods.includes(config.clientAuthentication)) {
    throw new ConfigError(
      'clientAuthentication',
      `is ${config.clientAuthentication}, which the identity provider does not support (it lists ${authMethods.join(', ')})`,
    );
  }

  const parEndpoint = metadata.pushed_authorization_request_endpoint;
  const parRequired = metadata.require_pushed_authorization_requests === true;
  if (config.pushedAuthorizationRequests === true && !parEndpoint) {
    throw new ConfigError('pushedAuthorizationRequests', 'is true, but the identity provider has no pushed_authorization_request_endpoint');
  }
  if (config.pushedAuthorizationRequests === false && parRequired) {
    throw new ConfigError(
      'pushedAuthorizationRequests',
      "is false, but the identity provider requires pushed authorization requests (use 'auto')",
    );
  }

  // RFC 9449 §5.1: an IdP that does DPoP lists the proof algorithms it takes; the BFF signs with ES256.
  const dpopApi = Object.keys(config.apis).find((name) => config.apis[name]!.tokenBinding === 'dpop');
  if (dpopApi !== undefined && !idpTakesOurProofs(metadata)) {
    throw new ConfigError(
      `apis.${dpopApi}.tokenBinding`,
      "is 'dpop', but the identity provider does not advertise DPoP with ES256 (dpop_signing_alg_values_supported)",
    );
  }

  const { scopes, dropped } = loginScopes(config, metadata.scopes_supported);
  if (signingAlgorithms.length === 0)
    throw new ConfigError('issuer', 'signs ID tokens with no asymmetric algorithm (id_token_signing_alg_values_supported)');
  return {
    scope: scopes.join(' '),
    droppedScopes: dropped,
    pushedAuthorizationRequests: config.pushedAuthorizationRequests !== false && parEndpoint !== undefined,
    signingAlgorithms,
    jwksUri: metadata.jwks_uri,
  };
}
