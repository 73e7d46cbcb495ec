/**
 * Typed errors of the guard, each with a stable `code`, and their RFC 6750 §3 responses.
 *
 * The `message` of an error is the internal reason (which check failed, for logs and `onError`);
 * it never reaches the client. Responses carry a fixed, generic `detail` per code: telling a caller
 * *why* its token was refused ("bad signature", "wrong aud") only helps someone forging one.
 */

/** Stable machine-readable codes, also the `code` of the problem+json body. */
export type GuardErrorCode = 'missing_token' | 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'temporarily_unavailable';

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

const DETAILS: Readonly<Record<Exclude<GuardErrorCode, 'insufficient_scope'>, string>> = {
  missing_token: 'an access token is required',
  invalid_request: 'the request does not carry its access token properly',
  invalid_token: 'the access token is invalid',
  temporarily_unavailable: 'access tokens cannot be checked right now',
};

/** Seconds a client should wait before retrying after a `503`. */
export const RETRY_AFTER_SECONDS = 5;

/** An RFC 7230 quoted-string: backslash-escapes `"` and `\`. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * The RFC 6750 §3 `WWW-Authenticate` challenge for `error`, or `undefined` when none applies (503).
 * `realm` is omitted when empty.
 */
export function challenge(error: GuardError, realm?: string): string | undefined {
  if (error instanceof TemporarilyUnavailable) return undefined;
  const params: string[] = [];
  if (realm) params.push(`realm=${quoted(realm)}`);
  // §3.1: "If the request lacks any authentication information […], the resource server SHOULD
  // NOT include an error code or other error information."
  if (!(error instanceof MissingToken)) params.push(`error=${quoted(error.code)}`);
  if (error instanceof InsufficientScope) params.push(`scope=${quoted(error.scopes.join(' '))}`);
  return params.length ? `Bearer ${params.join(', ')}` : 'Bearer';
}

/**
 * The response for `error`: its status, the RFC 6750 challenge, and an RFC 9457 problem details
 * body (`application/problem+json`) with the stable `code` and a generic `detail`.
 */
export function errorResponse(error: GuardError, options: { realm?: string } = {}): Response {
  const detail =
    error instanceof InsufficientScope
      ? `this request needs the scope${error.scopes.length > 1 ? 's' : ''} ${error.scopes.map((scope) => `"${scope}"`).join(', ')}`
      : DETAILS[error.code as keyof typeof DETAILS];
  const headers = new Headers({ 'content-type': 'application/problem+json', 'cache-control': 'no-store' });
  const authenticate = challenge(error, options.realm);
  if (authenticate) headers.set('www-authenticate', authenticate);
  if (error instanceof TemporarilyUnavailable) headers.set('retry-after', String(RETRY_AFTER_SECONDS));
  const body = { type: 'about:blank', title: TITLES[error.status], status: error.status, code: error.code, detail };
  return new Response(JSON.stringify(body), { status: error.status, headers });
}
