/**
 * The claims of a validated access token, and the checks that JWTs and introspection responses share.
 */
import { InvalidToken } from './errors.js';
import { hasWellFormedScopes } from './scopes.js';

/**
 * The claims of a validated access token: the payload of an RFC 9068 JWT, or the RFC 7662
 * introspection response of an opaque token (with `active: true`). What is present depends on the
 * issuer; with `typ: 'at+jwt'` every RFC 9068 §2.2 claim is guaranteed.
 */
export interface AccessTokenClaims {
  /** Issuer. */
  readonly iss?: string;
  /** Subject: the user, or the client itself for a client-credentials token. */
  readonly sub?: string;
  /** Audience: this API's identifier among them. */
  readonly aud?: string | readonly string[];
  /** Expiry, in seconds since the epoch. */
  readonly exp?: number;
  /** Not before, in seconds since the epoch. */
  readonly nbf?: number;
  /** Issued at, in seconds since the epoch. */
  readonly iat?: number;
  /** Token identifier, e.g. for a deny-list. */
  readonly jti?: string;
  /** The client the token was issued to. */
  readonly client_id?: string;
  /** Granted scopes, space-separated. */
  readonly scope?: string;
  /** Granted scopes as some issuers spell them (array or space-separated). */
  readonly scp?: string | readonly string[];
  /** Confirmation (RFC 7800): `jkt`, the thumbprint of the key a DPoP-bound token is bound to (RFC 9449 §6). */
  readonly cnf?: { readonly jkt?: string; readonly [method: string]: unknown };
  /** Authentication context class reference of the user's authentication (RFC 9068 §2.2.1, RFC 9470). */
  readonly acr?: string;
  /** When the user authenticated, in seconds since the epoch (RFC 9068 §2.2.1, RFC 9470). */
  readonly auth_time?: number;
  readonly [claim: string]: unknown;
}

/** Seconds since the epoch, now. */
export function epochSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Whether `aud` (a string or an array of strings) names one of `expected`. */
export function audienceMatches(aud: unknown, expected: readonly string[]): boolean {
  if (typeof aud === 'string') return expected.includes(aud);
  return Array.isArray(aud) && aud.every((item) => typeof item === 'string') && aud.some((item) => expected.includes(item));
}

function numericDate(claims: AccessTokenClaims, claim: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = claims[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidToken(`"${claim}" is not a NumericDate`);
  return value;
}

/**
 * `exp` (RFC 7519 §4.1.4), `nbf` (§4.1.5) and `iat` (§4.1.6), each with `tolerance` seconds of
 * clock skew: expired, not yet valid, or issued in the future is invalid. Absent ones are not
 * checked here (JWTs always need `exp`: see `jwt.ts`).
 */
export function checkTimestamps(claims: AccessTokenClaims, tolerance: number, now = epochSeconds()): void {
  const exp = numericDate(claims, 'exp');
  if (exp !== undefined && exp <= now - tolerance) throw new InvalidToken('"exp": the token has expired');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > now + tolerance) throw new InvalidToken('"nbf": the token is not valid yet');
  const iat = numericDate(claims, 'iat');
  if (iat !== undefined && iat > now + tolerance) throw new InvalidToken('"iat": the token was issued in the future');
}

/**
 * The claims every accepted token must satisfy, however it was validated: `sub`, `client_id`,
 * `jti`, `acr` are strings when present, `auth_time` a NumericDate; `scope` / `scp` are well
 * formed; `cnf` (RFC 7800), when present, is an object. Whether a sender-constrained token (one
 * with `cnf`) is acceptable depends on how it was presented: see `token-binding.ts`.
 */
export function checkCommonClaims(claims: AccessTokenClaims): void {
  for (const claim of ['sub', 'client_id', 'jti', 'acr'] as const) {
    if (claims[claim] !== undefined && typeof claims[claim] !== 'string') throw new InvalidToken(`"${claim}" is not a string`);
  }
  const authTime = claims.auth_time;
  if (authTime !== undefined && (typeof authTime !== 'number' || !Number.isFinite(authTime))) {
    throw new InvalidToken('"auth_time" is not a NumericDate');
  }
  if (!hasWellFormedScopes(claims)) throw new InvalidToken('"scope" / "scp" is malformed');
  const { cnf } = claims;
  if (cnf !== undefined && (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)))
    throw new InvalidToken('"cnf" is not an object');
}
