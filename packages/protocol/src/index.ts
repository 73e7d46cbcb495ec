/**
 * The HTTP contract of a Cloakroom BFF (see the README's "HTTP contract"), typed once for both
 * sides: `@cloakroom/bff` answers with these shapes, `@cloakroom/client` reads them. Types only:
 * nothing here reaches a bundle.
 */

/**
 * Stable machine-readable error codes of the BFF's problem details (RFC 9457). Clients switch on
 * them; none is ever renamed.
 */
export type BffErrorCode =
  | 'csrf_failed'
  | 'login_required'
  | 'session_expired'
  | 'step_up_required'
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
  | 'request_body_consumed'
  | 'internal_error';

/** An `application/problem+json` body (RFC 9457) as the BFF sends it. */
export interface BffProblem {
  /** `https://cloakroom.dev/problems/{code}`. */
  type: string;
  /** The code's fixed title. */
  title: string;
  status: number;
  code: BffErrorCode;
  /** Never holds a token, a cookie, a secret, or text the request supplied. */
  detail?: string;
  /**
   * `step_up_required` only (an RFC 9457 extension member): the `acr` values the API asks for, in
   * order of preference, space-separated, as its RFC 9470 challenge named them. Sign in again with
   * them as `acr_values`.
   */
  acr_values?: string;
  /**
   * `step_up_required` only: the most seconds since the user authenticated that the API accepts
   * (RFC 9470 `max_age`). Sign in again with it as `max_age`.
   */
  max_age?: number;
}

/** `GET {basePath}/session`: claims and times, never a token. */
export type SessionResponse<TUser = Record<string, unknown>> =
  | { authenticated: false }
  | {
      authenticated: true;
      user: TUser;
      /** Epoch seconds: the idle deadline, capped by the absolute lifetime; each request moves it on. */
      expiresAt: number;
      /** How the user signed in: the ID token's `acr` (authentication context class), when the IdP sent one. */
      acr?: string;
      /** Epoch seconds when the user last authenticated at the IdP: the ID token's `auth_time`, when sent. */
      authTime?: number;
    };

/** `POST {basePath}/logout`. */
export interface LogoutResponse {
  /** Where to send the browser to end the IdP session too (RP-initiated logout), if the IdP has one. */
  endSessionUrl: string | null;
}
