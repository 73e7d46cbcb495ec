import { errors as joseErrors } from 'jose';
import * as oidc from 'openid-client';
import { ConfigError } from '../config.js';
import { BffError } from '../errors.js';

/**
 * What the BFF was asking the IdP when it failed. Each names one exchange of the protocol, so that a
 * log line says which endpoint answered and an answer maps to the code that fits that exchange.
 */
export type IdpOperation =
  | 'discovery'
  | 'pushed_authorization_request'
  | 'authorization_code_grant'
  | 'refresh_token_grant'
  | 'client_credentials_grant'
  | 'userinfo'
  | 'revocation'
  | 'jwks';

/** Which IdP endpoint (discovery metadata name) an operation talks to. */
export const OPERATION_ENDPOINT: Record<IdpOperation, string> = {
  discovery: 'discovery',
  pushed_authorization_request: 'pushed_authorization_request_endpoint',
  authorization_code_grant: 'token_endpoint',
  refresh_token_grant: 'token_endpoint',
  client_credentials_grant: 'token_endpoint',
  userinfo: 'userinfo_endpoint',
  revocation: 'revocation_endpoint',
  jwks: 'jwks_uri',
};

/**
 * A token or metadata the IdP sent that fails one of our own checks (those openid-client does not
 * make: the ID token signature with a fresh key set, `iat` not in the future, `sub` unchanged on
 * refresh). Treated like openid-client's own validation errors.
 */
export class IdpResponseError extends Error {
  override readonly name = 'IdpResponseError';
  constructor(
    message: string,
    /** A stable reason, e.g. `id_token_sub_changed`. */
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The facts of an IdP failure that a log line carries: never a token, a code, a secret or an assertion. */
export interface IdpFailureFacts {
  /** HTTP status of the IdP's answer, when it answered. */
  status?: number;
  /** OAuth `error` (RFC 6749 §5.2) and its description, when the IdP sent them. */
  error?: string;
  error_description?: string;
  /** The library's error code (openid-client, oauth4webapi, jose) or ours. */
  errorCode?: string;
  /** The library's message, then the messages of its causes. */
  reason: string;
}

/** Reads status, OAuth error and messages out of any error openid-client, jose or fetch throws. */
export function idpFailureFacts(error: unknown): IdpFailureFacts {
  const messages: string[] = [];
  const facts: Omit<IdpFailureFacts, 'reason'> = {};
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 5; depth++) {
    if (current instanceof Response) {
      facts.status ??= current.status;
      break;
    }
    if (!(current instanceof Error)) break;
    messages.push(current.message);
    if (current instanceof oidc.ResponseBodyError || current instanceof oidc.WWWAuthenticateChallengeError) facts.status ??= current.status;
    // A Bearer challenge (RFC 6750 §3) carries the OAuth error in its parameters, not in a body.
    const oauth = current instanceof oidc.WWWAuthenticateChallengeError ? current.cause[0]?.parameters : current;
    if (
      current instanceof oidc.ResponseBodyError ||
      current instanceof oidc.AuthorizationResponseError ||
      current instanceof oidc.WWWAuthenticateChallengeError
    ) {
      const { error: oauthError, error_description: description } = oauth as { error?: string; error_description?: string };
      if (oauthError !== undefined) facts.error ??= oauthError;
      if (description !== undefined) facts.error_description ??= description;
    }
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') facts.errorCode ??= code;
    // openid-client puts the Response itself in the cause of "unexpected status / content type".
    current = current.cause;
  }
  return { ...facts, reason: messages.join(': ') || String(error) };
}

/**
 * {@link idpFailureFacts}, completed with the OAuth `error` and `error_description` of a JSON body
 * that the library did not read: oauth4webapi stops at a `WWW-Authenticate` challenge (which RFC 6749
 * §5.2 requires on a 401 `invalid_client`) and at a 5xx, leaving the body that says why unread.
 */
export async function readIdpFailureFacts(error: unknown): Promise<IdpFailureFacts> {
  const facts = idpFailureFacts(error);
  if (facts.error !== undefined) return facts;
  const response =
    error instanceof oidc.WWWAuthenticateChallengeError
      ? error.response
      : error instanceof Error && error.cause instanceof Response
        ? error.cause
        : undefined;
  if (!response || response.bodyUsed) return facts;
  try {
    const body = (await response.clone().json()) as { error?: unknown; error_description?: unknown };
    return {
      ...facts,
      ...(typeof body.error === 'string' ? { error: body.error } : {}),
      ...(typeof body.error_description === 'string' ? { error_description: body.error_description } : {}),
    };
  } catch {
    return facts; // not JSON: an HTML error page, an empty body
  }
}

/**
 * True for failures to reach the IdP at all (refused, reset, DNS, timeout), or an IdP that is there
 * but broken (a 5xx, an HTML error page): an answer that a later attempt may not repeat.
 */
export function isIdpUnreachable(error: unknown, { status }: IdpFailureFacts = idpFailureFacts(error)): boolean {
  if (status !== undefined && status >= 500) return true;
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return true;
  if (error instanceof TypeError) return true; // fetch() rejects with TypeError on network errors
  if (isKeySetFailure(error)) return true;
  if (error instanceof oidc.ClientError) {
    // openid-client wraps timeouts and aborts of its requests, and a network TypeError in "something went wrong".
    if (['OAUTH_TIMEOUT', 'OAUTH_ABORT'].includes(error.code ?? '') || error.cause instanceof TypeError) return true;
    // A non-JSON answer or one with an unexpected status, when it is not a 4xx (a proxy's 502 page, …).
    return ['OAUTH_RESPONSE_IS_NOT_JSON', 'OAUTH_RESPONSE_IS_NOT_CONFORM'].includes(error.code ?? '') && status === undefined;
  }
  return false;
}

/**
 * jose could not get the IdP's key set (a timeout, a non-200 answer, not a JWKS): the IdP is down
 * or broken, which says nothing about the token being checked.
 */
export function isKeySetFailure(error: unknown): boolean {
  return (
    error instanceof joseErrors.JWKSTimeout ||
    error instanceof joseErrors.JWKSInvalid ||
    (error instanceof joseErrors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
  );
}

/**
 * The one catalogue from an IdP failure to the BFF's answer. Which exchange failed decides what an
 * OAuth error means:
 * - unreachable, timed out or 5xx → `503 idp_unavailable` with `Retry-After` (nothing is lost: retry);
 * - `invalid_grant` (or a bare 400) on a refresh → `401 session_expired` (the caller ends the session); on a code
 *   exchange → `400 invalid_callback` (the code is spent, replayed or not this browser's);
 * - the IdP's refusal at the authorization endpoint (`?error=access_denied`) → `400 login_failed`;
 * - a sign-in response (authorization response or its ID token) that fails validation → `400 invalid_callback`;
 * - any other refusal (`invalid_client`, `unauthorized_client`, `invalid_scope`, …) or a token response
 *   that fails validation → `502 idp_rejected`;
 * - discovery metadata that cannot work with this configuration → `502 idp_rejected`.
 * {@link BffError}s pass through; errors of no IdP exchange (our own bugs) too, to become a 500.
 */
export function idpError(error: unknown, operation: IdpOperation, facts: IdpFailureFacts = idpFailureFacts(error)): unknown {
  if (error instanceof BffError) return error;
  if (isIdpUnreachable(error, facts)) {
    const what = facts.status === undefined ? 'cannot be reached' : `failed (HTTP ${facts.status})`;
    return new BffError('idp_unavailable', { detail: `The identity provider ${what}; try again shortly.`, cause: error });
  }
  if (error instanceof ConfigError) {
    return new BffError('idp_rejected', { detail: "The identity provider's metadata does not fit the BFF's configuration.", cause: error });
  }
  if (error instanceof oidc.AuthorizationResponseError) {
    // The IdP said no (e.g. the user denied consent). Its error value and text came through the
    // browser, so they go to the log (as the cause), not back into the answer.
    return new BffError('login_failed', { detail: 'The identity provider refused the sign-in.', cause: error });
  }
  if (operation === 'refresh_token_grant' && (facts.error === 'invalid_grant' || isBareBadRequest(facts))) {
    // Expired, revoked or reused: this session can never get a token again.
    return new BffError('session_expired', { detail: 'The session has expired; sign in again.', cause: error });
  }
  const isRefusal = error instanceof oidc.ResponseBodyError || error instanceof oidc.WWWAuthenticateChallengeError;
  const isInvalidAnswer = error instanceof oidc.ClientError || error instanceof IdpResponseError || error instanceof joseErrors.JOSEError;
  if (operation === 'authorization_code_grant' && (facts.error === 'invalid_grant' || (isInvalidAnswer && !isClientAuthFailure(facts)))) {
    return new BffError('invalid_callback', { detail: 'The sign-in response failed validation.', cause: error });
  }
  if (isRefusal || isInvalidAnswer || facts.status !== undefined) {
    const why = facts.error ? `refused the request (${facts.error})` : 'sent an answer that failed validation';
    return new BffError('idp_rejected', { detail: `The identity provider ${why}.`, cause: error });
  }
  return error;
}

/**
 * A 400 with no OAuth error at all. Some IdPs (glewlwyd) answer an expired or revoked refresh token
 * so, instead of RFC 6749 §5.2's `invalid_grant`: the same request can never succeed again.
 */
function isBareBadRequest(facts: IdpFailureFacts): boolean {
  return facts.status === 400 && facts.error === undefined;
}

/** A 401 from the token endpoint without an OAuth body: the client credentials were refused. */
function isClientAuthFailure(facts: IdpFailureFacts): boolean {
  return facts.status === 401 || facts.status === 403;
}
