/**
 * Step-up authentication (RFC 9470): routes that need a stronger, or more recent, sign-in than the
 * token shows, and the challenge that tells the client which.
 */
import type { MiddlewareHandler } from 'hono';
import { epochSeconds } from './claims.js';
import type { AccessTokenClaims } from './claims.js';
import { InsufficientUserAuthentication } from './errors.js';
import type { AuthenticationRequirements } from './errors.js';
import { tokenCheck } from './middleware.js';
import type { AccessTokenEnv } from './middleware.js';

/** Options of {@link requireAcr}. */
export interface RequireAcrOptions {
  /**
   * Most seconds since the user authenticated: the token's `auth_time` must be at most this old
   * (RFC 9470 `max_age`). A token without `auth_time` cannot show it, and is challenged.
   */
  maxAge?: number | undefined;
}

/**
 * An `acr` value as the challenge can carry it: `acr_values` is a space-separated list in a quoted
 * string, so no space, `"` or `\` (the same characters as a scope token, RFC 6749 §3.3).
 */
const ACR_VALUE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The requirements of `requireAcr(acrValues, options)`, checked at configuration time.
 * @throws {TypeError} for an `acr` value the challenge cannot carry, a `maxAge` that is not a whole
 *   number of seconds, or neither an `acr` value nor a `maxAge`.
 */
export function authenticationRequirements(acrValues: readonly string[], options: RequireAcrOptions = {}): AuthenticationRequirements {
  for (const value of acrValues) {
    if (typeof value !== 'string' || !ACR_VALUE.test(value)) {
      throw new TypeError(`requireAcr: ${JSON.stringify(value)} is not an acr value a challenge can carry (no space, quote or backslash)`);
    }
  }
  const { maxAge } = options;
  if (maxAge !== undefined && (!Number.isInteger(maxAge) || maxAge < 0)) {
    throw new TypeError('requireAcr: maxAge must be a non-negative whole number of seconds');
  }
  if (acrValues.length === 0 && maxAge === undefined) throw new TypeError('requireAcr: name at least one acr value, or a maxAge');
  return { acrValues: Object.freeze([...new Set(acrValues)]), ...(maxAge !== undefined ? { maxAge } : {}) };
}

/**
 * The RFC 9470 check of the user's authentication behind a token: its `acr` must be one of
 * `required.acrValues` (when any), and its `auth_time` at most `required.maxAge` seconds before
 * `now` (when set). Answers the refusal, or `undefined` when the token satisfies both.
 */
export function checkUserAuthentication(
  claims: AccessTokenClaims,
  required: AuthenticationRequirements,
  now = epochSeconds(),
): InsufficientUserAuthentication | undefined {
  const { acrValues, maxAge } = required;
  if (acrValues.length > 0) {
    if (claims.acr === undefined) return new InsufficientUserAuthentication(required, 'acr', 'the token has no "acr"');
    if (!acrValues.includes(claims.acr)) return new InsufficientUserAuthentication(required, 'acr', '"acr" is not one of those required');
  }
  if (maxAge !== undefined) {
    if (claims.auth_time === undefined) return new InsufficientUserAuthentication(required, 'max_age', 'the token has no "auth_time"');
    if (now - claims.auth_time > maxAge) {
      return new InsufficientUserAuthentication(required, 'max_age', `"auth_time": the user authenticated more than ${maxAge} s ago`);
    }
  }
  return undefined;
}

/**
 * Admits only requests whose token shows a strong enough, recent enough sign-in (RFC 9470): its
 * `acr` is one of `acrValues` (in order of preference; `[]` for any), and, with `maxAge`, its
 * `auth_time` is at most that many seconds old. Otherwise `401` with
 *
 * `WWW-Authenticate: Bearer error="insufficient_user_authentication", error_description="…", acr_values="…", max_age="…"`
 *
 * (`DPoP` for a DPoP-bound token), so the client has the user sign in again with those
 * `acr_values` / `max_age` and retries with the new token. Runs after `requireAccessToken`; the
 * token's `acr` and `auth_time` come from the JWT, or from the introspection response.
 *
 * @example
 * app.post('/payments', requireAcr(['urn:example:acr:mfa'], { maxAge: 300 }), (c) => …);
 *
 * @throws {TypeError} at once for invalid requirements (see {@link authenticationRequirements});
 *   and, per request, an `Error` (a 500, never a pass) when no `requireAccessToken` ran before it.
 */
export function requireAcr(acrValues: readonly string[], options: RequireAcrOptions = {}): MiddlewareHandler<AccessTokenEnv> {
  const required = authenticationRequirements(acrValues, options);
  return tokenCheck('requireAcr', (claims) => checkUserAuthentication(claims, required));
}
