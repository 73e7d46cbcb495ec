import type { BffError, BffErrorCode } from './bff-error.js';

/**
 * Claims of the signed-in user, as the BFF's `/session` route returns them.
 * Only claims: the SDK never sees a token.
 */
export interface User {
  sub: string;
  name?: string;
  email?: string;
  [claim: string]: unknown;
}

/** Where the client stands with the BFF session. */
export type SessionStatus = 'loading' | 'authenticated' | 'unauthenticated' | 'error';

/**
 * The session as the client knows it. A discriminated union on `status`, so that
 * `status === 'authenticated'` narrows `user` to `TUser`.
 *
 * `expiresAt` is the end of the session in epoch **seconds**, exactly as the BFF sends it.
 * On `'error'`, `user` and `expiresAt` keep the last known values (the session may well still be alive).
 */
export type SessionState<TUser = User> = (
  | { status: 'loading'; user: null; expiresAt: null; error: null }
  | { status: 'authenticated'; user: TUser; expiresAt: number | null; error: null }
  | { status: 'unauthenticated'; user: null; expiresAt: null; error: null }
  | { status: 'error'; user: TUser | null; expiresAt: number | null; error: BffError }
) & {
  /**
   * How the user signed in: the authentication context class (`acr`) of the sign-in, as the IdP
   * said in the ID token; `null` when it did not, or there is no session. A `step_up_required`
   * error's `stepUp` says which an API wants.
   */
  acr: string | null;
  /** When the user last authenticated at the IdP, in epoch **seconds** (`auth_time`); `null` when unknown. */
  authTime: number | null;
  /**
   * Why the last trip through the BFF's sign-in or sign-out pages failed: the stable error code
   * (`'login_failed'`, `'invalid_callback'`, `'idp_unavailable'`, `'idp_rejected'`, `'invalid_request'`, …)
   * that the BFF put in the `cloakroom_error` query parameter of its redirect back to the app; `null` when none.
   *
   * Read once, on the first {@link BffClient.refresh} in a browser (never on a server, never during a render),
   * and taken off the address bar at once with `history.replaceState` (path, other parameters, hash and
   * `history.state` kept), so a reload or a shared link does not show it again. Only a plain code
   * (`/^[a-z_]{1,64}$/`) is taken: anything else in the parameter is removed and ignored, so the app never
   * renders text a link's author wrote. Map the code to your own message; it stays until
   * {@link BffClient.clearLoginError}.
   */
  loginError: BffErrorCode | null;
};

/** The subset of `fetch` the client uses; `globalThis.fetch` fits, and so does a test stub. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Options of {@link createBffClient}. */
export interface BffClientOptions {
  /** Where the BFF is mounted on this origin. Default `'/bff'`. */
  basePath?: string | undefined;
  /** The `fetch` to use. Default: `globalThis.fetch`, looked up at call time. */
  fetch?: FetchLike | undefined;
  /** How to leave the page for login and logout. Default: `window.location.assign`. */
  navigate?: ((url: string) => void) | undefined;
  /** Refetch the session when the window regains focus or the page becomes visible. Default `true`. */
  refetchOnFocus?: boolean | undefined;
  /**
   * A focus refetch is skipped when the last `/session` request started less than this many
   * milliseconds ago. Default `5000`.
   */
  focusThrottleMs?: number | undefined;
  /**
   * Tell the app's other tabs about sign-in, sign-out and session expiry (BroadcastChannel
   * `cloakroom:<basePath>`), and refetch when they tell this one. Default `true`; a no-op where
   * BroadcastChannel does not exist.
   */
  crossTab?: boolean | undefined;
}

/**
 * What {@link BffClient.on} can listen to. Each fires once per change, however many requests bring the news:
 * - `'signedIn'`: the user became signed in while this page was open, or this page is where the login
 *   callback landed, or the signed-in user changed. Not on a plain reload of a signed-in page.
 * - `'signedOut'`: a known user is gone: logout here or in another tab, or a refetch found no session.
 * - `'sessionExpired'`: a known user's session ended under them: the BFF answered a request with
 *   `401 session_expired` / `login_required`, or the re-check at `expiresAt` found it over. Offer to sign in again.
 */
export type BffClientEvent = 'signedIn' | 'signedOut' | 'sessionExpired';

/**
 * Options of {@link BffClient.login}. Besides `returnTo`, the OpenID Connect authorization request
 * parameters the BFF allows the app to pass (its `loginParameters`; by default all of these), under
 * their protocol names; the BFF answers `400 invalid_request` to one it does not allow. `acrValues`
 * and `maxAge` are the step-up requirement's names for `acr_values` and `max_age` (and win over
 * them), so that a `step_up_required` error's requirement (`error.stepUp`) can be passed as it is.
 *
 * @example
 * login({ ...error.stepUp, returnTo: location.pathname }); // sign in again as the API asks
 */
export interface LoginOptions {
  /** Same-origin path to come back to after signing in. Default: the current path and query. */
  returnTo?: string | undefined;
  /** Authentication context classes to sign in with, in order of preference: sent as `acr_values`. */
  acrValues?: readonly string[] | undefined;
  /** Sent as `max_age` (see `max_age`). */
  maxAge?: number | undefined;
  /** `login` (re-authenticate), `consent`, `select_account`, `create`, or `none` (no interaction). */
  prompt?: string | undefined;
  /** The user's identifier, to prefill the IdP's sign-in form. */
  login_hint?: string | undefined;
  /** Authentication context class references requested (e.g. a stronger factor). */
  acr_values?: string | undefined;
  /** Seconds since the user last authenticated, beyond which the IdP must ask again (`0`: now). */
  max_age?: number | undefined;
  /** Preferred languages of the IdP's pages, e.g. `'de fr'`. */
  ui_locales?: string | undefined;
}

/** Options of {@link BffClient.logout}. */
export interface LogoutOptions {
  /**
   * Same-origin path (`/goodbye`) to land on once signed out: sent to the BFF (`POST /logout?returnTo=…`), which
   * has the IdP send the browser back there, or followed directly when the IdP has no end-session endpoint.
   * Default: the BFF's own default, `/`, after the IdP; and staying on the page when there is no IdP trip.
   */
  returnTo?: string | undefined;
}

/** `RequestInit` for {@link BffFetch.json}: `body` is any JSON-serialisable value. */
export interface BffJsonInit extends Omit<RequestInit, 'body'> {
  body?: unknown;
}

/**
 * `fetch` through the BFF. Takes a path relative to the base path (`/api/orders/orders`)
 * or including it (`/bff/api/orders/orders`), adds `X-CSRF: 1` and sends the session cookie
 * (same-origin only). Resolves with the `Response`, including non-problem error responses;
 * rejects with a {@link BffError} when the answer is `application/problem+json` or the network fails.
 * A `401` `session_expired` / `login_required` also moves the session to `'unauthenticated'`
 * (once: no retry, no refetch) and fires `'sessionExpired'`.
 */
export interface BffFetch {
  (path: string, init?: RequestInit): Promise<Response>;
  /**
   * Sends `init.body` as JSON, resolves with the parsed JSON answer (`undefined` for an empty body),
   * and rejects with a {@link BffError} on any non-2xx status.
   */
  json<T = unknown>(path: string, init?: BffJsonInit): Promise<T>;
}

/**
 * The browser's handle on the BFF session. Every member is a bound function, safe to pass around
 * (e.g. straight to `useSyncExternalStore`).
 */
export interface BffClient<TUser = User> {
  /** The normalised base path, without a trailing slash (`'/bff'`). */
  readonly basePath: string;
  /** The current session state; the same object until the state changes. */
  readonly getSnapshot: () => SessionState<TUser>;
  /**
   * Calls `listener` after every state change; returns the unsubscribe function. While there is at
   * least one subscriber the client watches focus, the other tabs and `expiresAt` (see {@link BffClientOptions}).
   */
  readonly subscribe: (listener: () => void) => () => void;
  /**
   * Asks the BFF for the session. Concurrent calls share one request. Never rejects:
   * failures land in the state as `status: 'error'`.
   */
  readonly refresh: () => Promise<SessionState<TUser>>;
  /** See {@link BffFetch}. */
  readonly bffFetch: BffFetch;
  /** Navigates the whole page to the BFF's login route. */
  readonly login: (options?: LoginOptions) => void;
  /**
   * Ends the session at the BFF (`POST /logout`, with `returnTo` when given), moves the state to
   * `'unauthenticated'`, then navigates to the IdP's end-session URL when the BFF gives one, else to
   * `returnTo` when given, else stays on the page. Rejects (keeping the session) when the BFF refuses for
   * another reason than the session being already gone, and at once for a `returnTo` that is not a
   * same-origin path.
   *
   * From the call until the page is left, the client starts nothing by itself: no refetch on focus, on
   * another tab's news or at `expiresAt`, so nothing can bring the session back or send the page elsewhere
   * before the IdP has ended its session. See {@link BffClient.isLoggingOut}.
   */
  readonly logout: (options?: LogoutOptions) => Promise<void>;
  /**
   * `true` from a {@link BffClient.logout} call until it fails or the page is left, including on a page
   * that stays after signing out: the user chose to sign out here. Automatic sign-ins
   * (`<RequireAuth redirectToLogin>`) must not start then, or the IdP session that the logout is ending
   * would sign the user straight back in. An explicit {@link BffClient.login} always works.
   */
  readonly isLoggingOut: () => boolean;
  /** Sets {@link SessionState.loginError} back to `null` (e.g. when the user dismisses the message). */
  readonly clearLoginError: () => void;
  /**
   * Calls `listener` (in a microtask) each time `event` happens; returns the function that stops it.
   *
   * @example
   * client.on('sessionExpired', () => showBanner('Your session has ended. Please sign in again.'));
   */
  readonly on: (event: BffClientEvent, listener: () => void) => () => void;
}
