import type * as oidc from 'openid-client';
import { ConfigError, type BffConfig } from './config.js';
import { idpTakesOurProofs } from './dpop/keys.js';

/**
 * A security profile the BFF can be held to. `'fapi2'`: the FAPI 2.0 Security Profile (OpenID
 * FAPI 2.0, final), which turns on and enforces together PAR, PKCE S256, `private_key_jwt`, RFC 9207
 * `iss` in the authorization response, DPoP-bound access tokens and the FAPI algorithms.
 */
export type SecurityProfile = 'fapi2';

/** FAPI 2.0 Security Profile §5.4.1: the only JWS algorithms allowed for signing. */
export const FAPI2_ALGORITHMS: readonly string[] = ['PS256', 'ES256', 'EdDSA'];

/**
 * What a configuration lacks for FAPI 2.0 (§5.3.2 client requirements); all of it at once, so that one
 * error names everything to change. PKCE S256 needs nothing: the BFF always uses it.
 */
export function fapi2ConfigGaps(config: BffConfig): string[] {
  const gaps: string[] = [];
  if (config.clientAuthentication !== 'private_key_jwt') {
    // §5.3.2.1: private_key_jwt or mTLS; a client secret is not allowed.
    gaps.push(
      `clientAuthentication must be 'private_key_jwt' (it is ${JSON.stringify(config.clientAuthentication ?? 'client_secret_basic')})`,
    );
  } else {
    const key = config.clientPrivateKey;
    const alg = key?.alg ?? (typeof key?.key === 'object' ? key.key.alg : undefined);
    if (alg !== undefined && !FAPI2_ALGORITHMS.includes(alg))
      gaps.push(`clientPrivateKey.alg must be one of ${FAPI2_ALGORITHMS.join(', ')} (it is ${alg})`);
  }
  if (config.pushedAuthorizationRequests === false) gaps.push('pushedAuthorizationRequests must not be false (§5.3.2.2: PAR)');
  // §5.3.2.1: sender-constrained access tokens; the BFF's way is DPoP.
  for (const [name, api] of Object.entries(config.apis ?? {})) {
    if ((api.token ?? 'user') !== 'none' && api.tokenBinding !== 'dpop') gaps.push(`apis.${name}.tokenBinding must be 'dpop'`);
  }
  return gaps;
}

/**
 * Checks the IdP's discovery document for FAPI 2.0 (§5.3.1 authorization server requirements) and
 * answers the ID token algorithms the BFF then accepts: the FAPI ones it signs with.
 */
export function fapi2SigningAlgorithms(metadata: oidc.ServerMetadata, advertised: string[]): string[] {
  const gaps: string[] = [];
  if (!metadata.pushed_authorization_request_endpoint) gaps.push('a pushed_authorization_request_endpoint (PAR)');
  if (metadata.authorization_response_iss_parameter_supported !== true)
    gaps.push('authorization_response_iss_parameter_supported: true (RFC 9207)');
  if (!idpTakesOurProofs(metadata)) gaps.push('DPoP with ES256 (dpop_signing_alg_values_supported)');
  const algorithms = advertised.filter((alg) => FAPI2_ALGORITHMS.includes(alg));
  if (algorithms.length === 0)
    gaps.push(
      `ID tokens signed with ${FAPI2_ALGORITHMS.join(', ')} (id_token_signing_alg_values_supported lists ${advertised.join(', ')})`,
    );
  if (gaps.length > 0) throw new ConfigError('profile', `is 'fapi2', but the identity provider does not offer ${gaps.join('; ')}`);
  return algorithms;
}
