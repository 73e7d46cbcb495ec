import type { BffErrorCode, BffProblem } from '@cloakroom/protocol';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type { BffErrorCode };

/** What a code answers: always the same status and title, and when to try again if that helps. */
export interface ErrorDefinition {
  readonly status: ContentfulStatusCode;
  readonly title: string;
  /** Seconds, sent as `Retry-After`: the failure is passing, nothing was lost. */
  readonly retryAfter?: number;
}

/**
 * The error catalogue: every code the BFF answers with, one status each. The README's table lists
 * the same codes and statuses (errors.test.ts checks).
 */
export const ERROR_CATALOGUE = {
  csrf_failed: { status: 403, title: 'Cross-site request refused' },
  login_required: { status: 401, title: 'Sign-in required' },
  session_expired: { status: 401, title: 'Session expired' },
  // 401, as the API's RFC 9470 challenge it stands for: what is missing is authentication, and signing
  // in again (with the requirement) is the cure. The session is kept; clients tell it apart by code.
  step_up_required: { status: 401, title: 'Stronger sign-in required' },
  unknown_api: { status: 404, title: 'Unknown API' },
  route_not_allowed: { status: 403, title: 'API route not allowed' },
  upstream_unavailable: { status: 502, title: 'Upstream API unavailable' },
  upstream_timeout: { status: 504, title: 'Upstream API timed out' },
  idp_unavailable: { status: 503, title: 'Identity provider unavailable', retryAfter: 5 },
  idp_rejected: { status: 502, title: 'Identity provider refused the request' },
  session_store_unavailable: { status: 503, title: 'Session store unavailable', retryAfter: 5 },
  invalid_request: { status: 400, title: 'Invalid request' },
  invalid_callback: { status: 400, title: 'Invalid sign-in callback' },
  login_failed: { status: 400, title: 'Sign-in failed' },
  invalid_logout_token: { status: 400, title: 'Invalid logout token' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  not_found: { status: 404, title: 'Not found' },
  unauthorized: { status: 401, title: 'Credential missing or wrong' },
  request_body_consumed: { status: 500, title: 'Request body already read' },
  internal_error: { status: 500, title: 'Internal error' },
} as const satisfies Record<BffErrorCode, ErrorDefinition>;

/** Every code the BFF answers with. */
export const BFF_ERROR_CODES = Object.keys(ERROR_CATALOGUE) as BffErrorCode[];

/** What a {@link BffError} may carry besides its code. */
export interface BffErrorOptions extends ErrorOptions {
  /** Human-readable detail; never a token, a cookie, a secret, or text the request supplied. */
  detail?: string;
  /** Headers a protocol requires with the answer, e.g. a `WWW-Authenticate` challenge. */
  headers?: Record<string, string>;
  /** RFC 9457 extension members of the problem: what a `step_up_required` asks for. */
  extensions?: Pick<BffProblem, 'acr_values' | 'max_age'>;
}

/** A failure with a defined HTTP answer. Thrown anywhere in the BFF, rendered by the error handler. */
export class BffError extends Error {
  override readonly name = 'BffError';
  readonly status: ContentfulStatusCode;
  readonly detail: string | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly extensions: BffErrorOptions['extensions'];

  constructor(
    readonly code: BffErrorCode,
    { detail, headers, extensions, ...options }: BffErrorOptions = {},
  ) {
    super(detail ?? ERROR_CATALOGUE[code].title, options);
    this.status = ERROR_CATALOGUE[code].status;
    this.detail = detail;
    this.headers = headers;
    this.extensions = extensions;
  }
}

/** The `application/problem+json` body (RFC 9457) and headers of `error`. */
function problemParts(error: BffError): { body: string; headers: Record<string, string> } {
  const definition: ErrorDefinition = ERROR_CATALOGUE[error.code];
  const body: BffProblem = {
    type: `https://cloakroom.dev/problems/${error.code}`,
    title: definition.title,
    status: error.status,
    code: error.code,
    ...(error.detail ? { detail: error.detail } : {}),
    ...error.extensions,
  };
  return {
    body: JSON.stringify(body),
    headers: {
      'Content-Type': 'application/problem+json',
      'Cache-Control': 'no-store',
      ...(definition.retryAfter ? { 'Retry-After': String(definition.retryAfter) } : {}),
      ...error.headers,
    },
  };
}

/** Renders an `application/problem+json` response (RFC 9457) with a stable `code`. */
export function problem(c: Context, error: BffError): Response {
  const { body, headers } = problemParts(error);
  return c.body(body, error.status, headers);
}

/** {@link problem} outside a request's context (a host adapter's own answer). */
export function problemResponse(error: BffError): Response {
  const { body, headers } = problemParts(error);
  return new Response(body, { status: error.status, headers });
}
