/** An access token the BFF holds for one audience. Never leaves the server. */
export interface StoredAccessToken {
  value: string;
  /** Epoch seconds. */
  expiresAt: number;
  /** Lifetime the IdP granted, in seconds (bounds the refresh margin). */
  lifetime: number;
  scope?: string;
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
  sid?: string;
  /** ID-token claims without the protocol ones (`iss`, `aud`, `nonce`, …): what `/session` shows. */
  claims: Record<string, unknown>;
  idToken: string;
  refreshToken?: string;
  /** Access tokens by resource indicator (RFC 8707); `''` is the token of the login request. */
  accessTokens: Record<string, StoredAccessToken>;
  /** Epoch seconds. */
  createdAt: number;
  /** Epoch seconds when the session ends at the latest (absolute lifetime). */
  expiresAt: number;
}

/**
 * Where sessions live. Implement it to keep sessions in your own database; every method may be
 * called concurrently from many requests.
 */
export interface SessionStore {
  get(id: string): Promise<Session | undefined>;
  /** Creates or replaces the session; it disappears after `ttlSeconds`. */
  set(session: Session, ttlSeconds: number): Promise<void>;
  delete(id: string): Promise<void>;
  /** Ids of the live sessions of a user (for "sign out everywhere" and back-channel logout by `sub`). */
  idsBySub(sub: string): Promise<string[]>;
  /** Ids of the live sessions created from one IdP session (back-channel logout by `sid`). */
  idsBySid(sid: string): Promise<string[]>;
}
