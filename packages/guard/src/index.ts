/**
 * `@cloakroom/guard`: access-token validation for the resource APIs behind the BFF, as Hono
 * middleware. JWT access tokens (RFC 9068) by the issuer's JWKS, opaque ones by introspection
 * (RFC 7662); scopes; revocation; RFC 6750 errors. Web standards only (`fetch`, WebCrypto).
 * @packageDocumentation
 */
export { requireAccessToken, requireScope } from './middleware.js';
export type { AccessTokenEnv, AccessTokenOptions } from './middleware.js';
export { createAccessTokenVerifier } from './verifier.js';
export type { AccessTokenVerifier, AccessTokenVerifierOptions, IntrospectionOptions, JwksOptions, TokenFormat } from './verifier.js';
export type { AccessTokenClaims } from './claims.js';
export type { IntrospectionAuthMethod } from './introspection.js';
export { ASYMMETRIC_ALGORITHMS, DEFAULT_ALGORITHMS, RFC9068_REQUIRED_CLAIMS } from './jwt.js';
export { extractBearerToken } from './bearer.js';
export { grantedScopes } from './scopes.js';
export {
  GuardError,
  InsufficientScope,
  InvalidRequest,
  InvalidToken,
  MissingToken,
  TemporarilyUnavailable,
  challenge,
  errorResponse,
} from './errors.js';
export type { GuardErrorCode } from './errors.js';
