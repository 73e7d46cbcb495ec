/**
 * Typed errors of the guard, each with a stable `code`, and their responses: RFC 6750 §3
 * challenges, with RFC 9449 §7.1 (DPoP) and RFC 9470 §3 (step-up) additions.
 *
 * The `message` of an error is the internal reason (which check failed, for logs and `onError`);
 * it never reaches the client. Responses carry a fixed, generic `detail` per code: telling a caller
 * *why* its token was refused ("bad signature", "wrong aud") only helps someone forging one.
 */
import type { AuthScheme } from './authorization.js';

/** Stable machine-readable codes, also the `code` of the problem+json body. */
export type GuardErrorCode =
  | 'missing_token'
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'
  | 'insufficient_user_authentication'
  | 'temporarily_unavailable';

/** Base class of every error the guard turns into a response. */
export abstract class GuardError extends Error {
  /** Stable code, e.g. `invalid_token`. */
  abstract readonly code: GuardErrorCode;
  /** HTTP status of the response. */
  abstract readonly status: 400 | 401 | 403 | 503;
}

/**
 * No bearer token in the request (RFC 6750 §3.1): `401` with a challenge that carries no error
 * code, since the client may simply not know that authentication is needed.
 */
export class MissingToken extends GuardError {
  override readonly name = 'MissingToken';
  readonly code = 'missing_token';
  readonly status = 401;
}

/**
 * A malformed request (RFC 6750 §3.1 `invalid_request`): an unparsable Authorization header, more
 * than one token, or a token in the URL. `400`.
 */
export class InvalidRequest extends GuardError {
  override readonly name = 'InvalidRequest';
  readonly code = 'invalid_request';
  readonly status = 400;
}

/**
 * The token is expired, revoked, malformed, or invalid for other reasons (RFC 6750 §3.1
 * `invalid_token`): `401`. A client (the BFF) refreshes its token and retries once.
 */
export class InvalidToken extends GuardError {
  override readonly name = 'InvalidToken';
  readonly code = 'invalid_token';
  readonly status = 401;
}

/** The token is valid but lacks scopes the request needs (RFC 6750 §3.1 `insufficient_scope`): `403`. */
export class InsufficientScope extends GuardError {
  override readonly name = 'InsufficientScope';
  readonly code = 'insufficient_scope';
  readonly status = 403;
  /** Every scope the request needs (announced in the challenge's `scope` attribute). */
  readonly scopes: readonly string[];

  constructor(scopes: readonly string[], options?: ErrorOptions) {
    super(`the token lacks a required scope (required: ${scopes.join(' ')})`, options);
    this.scopes = Object.freeze([...scopes]);
  }
}

/**
 * The DPoP proof (RFC 9449 §4) is missing, malformed, or fails a check of §4.3: its signature,
 * `typ`, `alg`, `jwk`, `htm`, `htu`, `iat`, `jti` (a replay) or `ath`. `401` with
 * `WWW-Authenticate: DPoP error="invalid_dpop_proof"` (RFC 9449 §7.1). (A proof by another key than
 * the token's is {@link InvalidToken}: the token is not this sender's.)
 */
export class InvalidDpopProof extends GuardError {
  override readonly name = 'InvalidDpopProof';
  readonly code = 'invalid_dpop_proof';
  readonly status = 401;
}

/**
 * The DPoP proof lacks the server's current nonce (RFC 9449 §9): `401` with
 * `WWW-Authenticate: DPoP error="use_dpop_nonce"` and the nonce to use in the `DPoP-Nonce` header.
 */
export class UseDpopNonce extends GuardError {
  override readonly name = 'UseDpopNonce';
  readonly code = 'use_dpop_nonce';
  readonly status = 401;
  /** The nonce the next proof must carry, sent as `DPoP-Nonce`. */
  readonly nonce: string;

  constructor(nonce: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.nonce = nonce;
  }
}

/** What RFC 9470 lets a resource server ask of the user's authentication. */
export interface AuthenticationRequirements {
  /** Acceptable `acr` values, in order of preference (the challenge's `acr_values`). */
  readonly acrValues: readonly string[];
  /** Most seconds since the user authenticated (`auth_time`), when required (the challenge's `max_age`). */
  readonly maxAge?: number;
}

/**
 * The token is valid, but the user's authentication behind it is not enough for this request
 * (RFC 9470 §3): its `acr` is not one of those required, or its `auth_time` is older than `maxAge`.
 * `401` with `WWW-Authenticate: Bearer error="insufficient_user_authentication"`, `acr_values` and
 * `max_age`: the client has the user sign in again as asked, and retries with the new token.
 */
export class InsufficientUserAuthentication extends GuardError {
  override readonly name = 'InsufficientUserAuthentication';
  readonly code = 'insufficient_user_authentication';
  readonly status = 401;
  /** What the request needs (all of it is announced in the challenge). */
  readonly required: AuthenticationRequirements;
  /** Which requirement the token failed: its authentication level, or its age. */
  readonly failed: 'acr' | 'max_age';

  constructor(required: AuthenticationRequirements, failed: 'acr' | 'max_age', message: string, options?: ErrorOptions) {
    super(message, options);
    this.required = Object.freeze({ ...required, acrValues: Object.freeze([...required.acrValues]) });
    this.failed = failed;
  }

  /** The fixed `error_description` (RFC 9470 §3's wording): what to do, never what the token holds. */
  get description(): string {
    return this.failed === 'acr' ? 'A different authentication level is required' : 'More recent authentication is required';
  }
}

/**
 * The token could not be checked: discovery, the JWKS, the introspection endpoint or the
 * revocation hook failed. `503` with `Retry-After`, never a `200` and never a `401` (the token may
 * well be fine, and a 401 would make the BFF throw away a good one).
 */
export class TemporarilyUnavailable extends GuardError {
  override readonly name = 'TemporarilyUnavailable';
  readonly code = 'temporarily_unavailable';
  readonly status = 503;
}

const TITLES = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  503: 'Service Unavailable',
} as const;

const DETAILS: Readonly<Record<Exclude<GuardErrorCode, 'insufficient_scope' | 'insufficient_user_authentication'>, string>> = {
  missing_token: 'an access token is required',
  invalid_request: 'the request does not carry its access token properly',
  invalid_token: 'the access token is invalid',
  invalid_dpop_proof: 'the DPoP proof is missing or invalid',
  use_dpop_nonce: 'the DPoP proof must carry the nonce in the DPoP-Nonce header',
  temporarily_unavailable: 'access tokens cannot be checked right now',
};

/** Seconds a client should wait before retrying after a `503`. */
export const RETRY_AFTER_SECONDS = 5;

/** An RFC 7230 quoted-string: backslash-escapes `"` and `\`. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** How a refusal challenges the client, besides its `realm`. */
export interface ChallengeOptions {
  /**
   * The schemes to challenge with (RFC 9110 §11.6.1 allows several): the one the request used,
   * or every scheme the API accepts. Default `['Bearer']`. DPoP proof errors always use `DPoP`.
   */
  readonly schemes?: readonly AuthScheme[] | undefined;
  /** The JWS algorithms accepted for DPoP proofs, announced in `algs` (RFC 9449 §7.1). */
  readonly dpopAlgorithms?: readonly string[] | undefined;
}

/** The auth-params of `error` that do not depend on the scheme. */
function errorParams(error: GuardError): string[] {
  // RFC 6750 §3.1: "If the request lacks any authentication information […], the resource server
  // SHOULD NOT include an error code or other error information."
  if (error instanceof MissingToken) return [];
  const params = [`error=${quoted(error.code)}`];
  if (error instanceof InsufficientScope) params.push(`scope=${quoted(error.scopes.join(' '))}`);
  if (error instanceof InsufficientUserAuthentication) {
    params.push(`error_description=${quoted(error.description)}`);
    const { acrValues, maxAge } = error.required;
    if (acrValues.length > 0) params.push(`acr_values=${quoted(acrValues.join(' '))}`);
    if (maxAge !== undefined) params.push(`max_age=${quoted(String(maxAge))}`);
  }
  return params;
}

/**
 * The `WWW-Authenticate` challenge for `error` (RFC 6750 §3; RFC 9449 §7.1 adds the `DPoP` scheme
 * and its `algs`; RFC 9470 §3 adds `acr_values` and `max_age`), or `undefined` when none applies
 * (503). One challenge per scheme, comma-separated; `realm` is omitted when empty.
 */
export function challenge(error: GuardError, realm?: string, options: ChallengeOptions = {}): string | undefined {
  if (error instanceof TemporarilyUnavailable) return undefined;
  const dpopOnly = error instanceof InvalidDpopProof || error instanceof UseDpopNonce;
  const schemes = dpopOnly ? ['DPoP'] : (options.schemes ?? ['Bearer']);
  const shared = errorParams(error);
  return schemes
    .map((scheme) => {
      const params = [...(realm ? [`realm=${quoted(realm)}`] : []), ...shared];
      if (scheme === 'DPoP' && options.dpopAlgorithms?.length) params.push(`algs=${quoted(options.dpopAlgorithms.join(' '))}`);
      return params.length ? `${scheme} ${params.join(', ')}` : scheme;
    })
    .join(', ');
}

/** Options of {@link errorResponse}. */
export interface ErrorResponseOptions extends ChallengeOptions {
  /** The `realm` of the challenge; omitted when empty. */
  readonly realm?: string | undefined;
}

function detailOf(error: GuardError): string {
  if (error instanceof InsufficientScope) {
    return `this request needs the scope${error.scopes.length > 1 ? 's' : ''} ${error.scopes.map((scope) => `"${scope}"`).join(', ')}`;
  }
  if (error instanceof InsufficientUserAuthentication) return error.description;
  return DETAILS[error.code as keyof typeof DETAILS];
}

/**
 * The response for `error`: its status, the challenge, and an RFC 9457 problem details body
 * (`application/problem+json`) with the stable `code` and a generic `detail`. A
 * {@link UseDpopNonce} also carries its nonce in `DPoP-Nonce` (RFC 9449 §9).
 */
export function errorResponse(error: GuardError, options: ErrorResponseOptions = {}): Response {
  const headers = new Headers({ 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
  const authenticate = challenge(error, options.realm, options);
  if (authenticate) headers.set('www-authenticate', authenticate);
  if (error instanceof UseDpopNonce) headers.set('dpop-nonce', error.nonce);
  if (error instanceof TemporarilyUnavailable) headers.set('retry-after', String(RETRY_AFTER_SECONDS));
  const body = { type: 'about:blank', title: TITLES[error.status], status: error.status, code: error.code, detail: detailOf(error) };
  return new Response(JSON.stringify(body), { status: error.status, headers });
}
