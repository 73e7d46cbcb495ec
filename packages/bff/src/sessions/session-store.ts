/** An access token the BFF holds for one audience. Never leaves the server. */
export interface StoredAccessToken {
  value: string;
  /** Epoch seconds. */
  expiresAt: number;
  /** Lifetime the IdP granted, in seconds (bounds the refresh margin). */
  lifetime: number;
  scope?: string | undefined;
  /**
   * `DPoP`: bound to a DPoP key (RFC 9449), sent with a proof made with it. Absent (the usual case,
   * left out to keep sessions small) or `Bearer`: a bearer token.
   */
  tokenType?: 'DPoP' | 'Bearer' | undefined;
}

/**
 * A session's DPoP key (RFC 9449): a P-256 private key as a JWK, kept with the session's tokens and
 * sealed at rest as they are. The BFF signs with a non-extractable copy in memory.
 */
export interface DpopPrivateJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d: string;
}

/**
 * One signed-in user's server-side session. Tokens live only here; the browser holds a sealed
 * cookie with the session `id`.
 */
export interface Session {
  id: string;
  /** The user's subject at the IdP. */
  sub: string;
  /** The IdP's session id (`sid` claim), used by back-channel logout. */
  sid?: string | undefined;
  /** ID-token claims without the protocol ones (`iss`, `aud`, `nonce`, …): what `/session` shows. */
  claims: Record<string, unknown>;
  /** How the user signed in: the ID token's `acr`, when the IdP sent one (step-up, RFC 9470). */
  acr?: string | undefined;
  /** Epoch seconds when the user authenticated: the ID token's `auth_time`, when the IdP sent one. */
  authTime?: number | undefined;
  /**
   * The raw ID token, kept only where it is used after sign-in: as `id_token_hint` at logout
   * (`logoutIdTokenHint: true`). Its claims are in `claims`; about 1 KB saved per session otherwise.
   */
  idToken?: string | undefined;
  refreshToken?: string | undefined;
  /** Access tokens by resource indicator (RFC 8707); `''` is the token of the login request. */
  accessTokens: Record<string, StoredAccessToken>;
  /** The key the session's DPoP-bound tokens are bound to; only where an API has `tokenBinding: 'dpop'`. */
  dpopKey?: DpopPrivateJwk | undefined;
  /** Epoch seconds. */
  createdAt: number;
  /** Epoch seconds when the session ends at the latest (absolute lifetime). */
  expiresAt: number;
  /** Epoch seconds of the last request that extended the idle timeout (sliding). */
  lastActiveAt: number;
}

/**
 * Where sessions live. Two come with the BFF: `MemorySessionStore` (the embedded default, one
 * process) and `RedisSessionStore` from `@cloakroom/bff/redis` (several instances). Implement it to
 * keep sessions in your own database; every method may be called concurrently from many requests
 * and, for a shared store, from many instances.
 *
 * Writing your own (e.g. SQL: a `sessions` table with `id` primary key, `sub`, `sid`, the sealed or
 * encrypted JSON value and an `expires_at` column, indexed on `sub`, `sid` and `expires_at`):
 *
 * - Treat a session as an opaque JSON-serialisable object, apart from `id`, `sub` and `sid` (which
 *   you index). Store all of it: fields may be added in minor versions. It holds tokens: encrypt it
 *   at rest, and never log it.
 * - `set` creates or replaces atomically: a replace whose `sub` or `sid` changed must leave the
 *   session findable under the new values only (update the row and its indexed columns together, in
 *   one statement or transaction).
 * - TTL: `set(session, ttlSeconds)` makes the session expire `ttlSeconds` from now, replacing any
 *   earlier TTL (the BFF passes the remaining lifetime on every write, so it may grow or shrink).
 *   From then on, `get` answers `undefined` and lookups leave it out, whether or not the expired
 *   entry has been physically removed yet (e.g. `WHERE expires_at > now()`, with a periodic purge).
 * - `get` returns a fresh copy: mutating the result must not change what is stored (a database
 *   that deserialises on every read does this by construction).
 * - `delete` of an unknown id succeeds. `idsBySub`/`idsBySid` answer the ids of live sessions only,
 *   consistent with `set` and `delete` (never an id that `get` would not find by that `sub`/`sid`).
 * - Failures: if the backend cannot be reached, reject quickly (bounded by a timeout, never queue
 *   indefinitely) with {@link SessionStoreUnavailableError}; the BFF answers
 *   `503 session_store_unavailable`.
 * - `withLock`: implement it when several BFF instances share the store (e.g. `SELECT … FOR UPDATE`
 *   on the session row in a short transaction, or an advisory lock keyed by the id). The lock must be
 *   exclusive across instances, bounded in time (it frees itself if its holder dies), and waiting
 *   for it must be bounded too ({@link SessionLockTimeoutError}). A store used by one process only
 *   may leave it out.
 */
export interface SessionStore {
  /** The live session `id`, as a copy, or `undefined` if unknown or expired. */
  get(id: string): Promise<Session | undefined>;
  /**
   * Creates or replaces the session; it expires `ttlSeconds` (> 0, fractions allowed) from now,
   * replacing any earlier expiry.
   */
  set(session: Session, ttlSeconds: number): Promise<void>;
  /** Removes the session and its index entries; succeeds if there is none. */
  delete(id: string): Promise<void>;
  /** Ids of the live sessions of a user (for "sign out everywhere" and back-channel logout by `sub`). */
  idsBySub(sub: string): Promise<string[]>;
  /** Ids of the live sessions created from one IdP session (back-channel logout by `sid`). */
  idsBySid(sid: string): Promise<string[]>;
  /**
   * Records a one-time `key` (a login transaction's `state`) for `ttlSeconds`; false when it was
   * recorded already. Implement it when several BFF instances share the store (Redis: `SET NX EX`),
   * so that a replayed sign-in callback is refused by every instance; without it each instance
   * remembers the keys it saw itself.
   */
  claimOnce?(key: string, ttlSeconds: number): Promise<boolean>;
  /**
   * Runs `task` holding a short exclusive lock on session `id`, across every BFF instance that shares
   * this store, so that only one of them refreshes the session's tokens at a time. Stores shared by
   * several instances should implement it; without it, refresh is single-flight per process only.
   *
   * The lock is released when `task` settles (its result or error is passed on), and expires on its
   * own after a store-defined time if the holder dies. Re-read the session inside `task`: another
   * instance may have rotated its tokens while this one waited.
   *
   * @throws {SessionLockTimeoutError} if the lock could not be taken in time; `task` did not run.
   * @throws {SessionStoreUnavailableError} if the store cannot be reached; `task` did not run.
   */
  withLock?<T>(id: string, task: () => Promise<T>): Promise<T>;
}

/**
 * The session store cannot be reached or did not answer in time (e.g. Redis is down). Nothing was
 * read or written; the request may be retried later. The BFF answers `503 session_store_unavailable`.
 */
export class SessionStoreUnavailableError extends Error {
  static readonly code = 'ERR_SESSION_STORE_UNAVAILABLE';
  readonly code = 'ERR_SESSION_STORE_UNAVAILABLE';
  override readonly name = 'SessionStoreUnavailableError';
  constructor(message = 'The session store is unavailable.', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * {@link SessionStore.withLock} waited longer than allowed for another holder (another instance
 * refreshing the same session) to finish. The task did not run; the request may be retried.
 */
export class SessionLockTimeoutError extends Error {
  static readonly code = 'ERR_SESSION_LOCK_TIMEOUT';
  readonly code = 'ERR_SESSION_LOCK_TIMEOUT';
  override readonly name = 'SessionLockTimeoutError';
  constructor(message = 'Timed out waiting for the session lock.', options?: ErrorOptions) {
    super(message, options);
  }
}
