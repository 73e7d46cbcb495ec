import type { BffErrorCode, BffProblem } from '@cloakroom/protocol';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type { BffErrorCode };

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
  const body: BffProblem = {
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
