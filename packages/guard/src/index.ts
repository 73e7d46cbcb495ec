/**
 * `@cloakroom/guard`: access-token validation for the resource APIs behind the BFF, as Hono
 * middleware. JWT access tokens (RFC 9068) by the issuer's JWKS, opaque ones by introspection
 * (RFC 7662); DPoP-bound tokens with their proofs (RFC 9449); scopes; step-up (RFC 9470);
 * revocation; RFC 6750 errors. Web standards only (`fetch`, WebCrypto).
 * @packageDocumentation
 */
export { requireAccessToken, requireDpop, requireScope } from './middleware.js';
export type { AccessTokenEnv, AccessTokenOptions } from './middleware.js';
export { authenticationRequirements, checkUserAuthentication, requireAcr } from './step-up.js';
export type { RequireAcrOptions } from './step-up.js';
export { createAccessTokenVerifier } from './verifier.js';
export type {
  AccessTokenVerifier,
  AccessTokenVerifierOptions,
  IntrospectionOptions,
  JwksOptions,
  TokenFormat,
  VerifiedRequest,
} from './verifier.js';
export type { TokenBinding } from './token-binding.js';
export { DEFAULT_DPOP_ALGORITHMS, DEFAULT_IAT_WINDOW } from './dpop.js';
export type { DpopOptions } from './dpop.js';
export { DEFAULT_REPLAY_ENTRIES, MemoryReplayStore } from './dpop-replay.js';
export type { DpopReplayStore } from './dpop-replay.js';
export { createDpopNonces } from './dpop-nonces.js';
export type { DpopNonceOptions, DpopNonceProvider } from './dpop-nonces.js';
export type { AccessTokenClaims } from './claims.js';
export type { IntrospectionAuthMethod } from './introspection.js';
export { ASYMMETRIC_ALGORITHMS, DEFAULT_ALGORITHMS, RFC9068_REQUIRED_CLAIMS } from './jwt.js';
export { extractAccessToken, extractBearerToken } from './authorization.js';
export type { AuthScheme, PresentedToken } from './authorization.js';
export { grantedScopes } from './scopes.js';
export {
  GuardError,
  InsufficientScope,
  InsufficientUserAuthentication,
  InvalidDpopProof,
  InvalidRequest,
  InvalidToken,
  MissingToken,
  TemporarilyUnavailable,
  UseDpopNonce,
  challenge,
  errorResponse,
} from './errors.js';
export type { AuthenticationRequirements, ChallengeOptions, ErrorResponseOptions, GuardErrorCode } from './errors.js';
