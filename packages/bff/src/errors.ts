import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Stable machine-readable error codes of the BFF's problem details (RFC 9457).
 * The SDK and users switch on these; never rename one.
 */
export type BffErrorCode =
  | 'csrf_failed'
  | 'login_required'
  | 'session_expired'
  | 'unknown_api'
  | 'route_not_allowed'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'idp_unavailable'
  | 'idp_rejected'
  | 'session_store_unavailable'
  | 'invalid_request'
  | 'invalid_callback'
  | 'login_failed'
  | 'invalid_logout_token'
  | 'payload_too_large'
  | 'not_found'
  | 'unauthorized'
  | 'internal_error';

const titles: Record<BffErrorCode, string> = {
  csrf_failed: 'Cross-site request refused',
  login_required: 'Sign-in required',
  session_expired: 'Session expired',
  unknown_api: 'Unknown API',
  route_not_allowed: 'API route not allowed',
  upstream_unavailable: 'Upstream API unavailable',
  upstream_timeout: 'Upstream API timed out',
  idp_unavailable: 'Identity provider unavailable',
  idp_rejected: 'Identity provider refused the request',
  session_store_unavailable: 'Session store unavailable',
  invalid_request: 'Invalid request',
  invalid_callback: 'Invalid sign-in callback',
  login_failed: 'Sign-in failed',
  invalid_logout_token: 'Invalid logout token',
  payload_too_large: 'Request body too large',
  not_found: 'Not found',
  unauthorized: 'Credential missing or wrong',
  internal_error: 'Internal error',
};

/** Every code the BFF answers with: the catalogue the README's table must list. */
export const BFF_ERROR_CODES = Object.keys(titles) as BffErrorCode[];

/** A failure with a defined HTTP answer. Thrown anywhere in the BFF, rendered by the error handler. */
export class BffError extends Error {
  override readonly name = 'BffError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: BffErrorCode,
    /** Human-readable detail; must never contain a token, a cookie or a secret. */
    readonly detail?: string,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers?: Record<string, string>,
    options?: ErrorOptions,
  ) {
    super(detail ?? titles[code], options);
  }
}

/** Renders an `application/problem+json` response (RFC 9457) with a stable `code`. */
export function problem(c: Context, error: BffError): Response {
  const body = {
    type: `https://cloakroom.dev/problems/${error.code}`,
    title: titles[error.code],
    status: error.status,
    code: error.code,
    ...(error.detail ? { detail: error.detail } : {}),
  };
  return c.body(JSON.stringify(body), error.status, {
    'Content-Type': 'application/problem+json',
    'Cache-Control': 'no-store',
    ...error.headers,
  });
}
