/**
 * Opaque access tokens: OAuth 2.0 Token Introspection (RFC 7662), with a bounded cache.
 */
import { audienceMatches, checkCommonClaims, checkTimestamps } from './claims.js';
import type { AccessTokenClaims } from './claims.js';
import { ClaimsCache } from './claims-cache.js';
import * as oauth from 'oauth4webapi';
import { InvalidToken, TemporarilyUnavailable } from './errors.js';
import { oauthHttpOptions, type HttpSettings } from './http.js';

/** How the guard authenticates to the introspection endpoint (RFC 7662 §2.1 requires it). */
export type IntrospectionAuthMethod = 'client_secret_basic' | 'client_secret_post';

/** What {@link createIntrospector} needs. */
export interface IntrospectionSettings {
  /** Exact expected `iss`, when the response names one. */
  readonly issuer: string;
  /** Expected `aud`: the response must name at least one. */
  readonly audience: readonly string[];
  /** The introspection endpoint (configured, or discovered on first use). */
  readonly endpoint: () => Promise<URL>;
  /** This API's client credentials at the authorization server. */
  readonly clientId: string;
  readonly clientSecret: string;
  readonly authMethod: IntrospectionAuthMethod;
  readonly http: HttpSettings;
  /** Seconds of clock skew allowed on `exp`, `nbf`, `iat`. */
  readonly clockTolerance: number;
  /** Seconds an active response may be reused; never past the token's `exp`. `0` disables the cache. */
  readonly cacheMaxAge: number;
  /** Most responses kept; the least recently used goes first. */
  readonly cacheMaxEntries: number;
}

async function sha256(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * The checks on an introspection response (RFC 7662 §2.2), each failure {@link InvalidToken}:
 * `active` must be `true` (inactive covers revoked, expired, unknown); `token_type`, when present,
 * `DPoP` for a token bound to a DPoP key (`cnf.jkt`, RFC 9449 §6.2) and `Bearer` for any other;
 * `iss`, when present, exactly ours; `aud` present and naming one of ours (this is also what
 * refuses a refresh token presented as an access token); `exp`, `nbf`, `iat` with the clock
 * tolerance; then the checks shared with JWTs (typed claims). Whether a `cnf` is acceptable is the
 * token binding's decision, as for JWTs.
 */
export function checkIntrospectionResponse(
  response: Record<string, unknown>,
  settings: Pick<IntrospectionSettings, 'issuer' | 'audience' | 'clockTolerance'>,
): AccessTokenClaims {
  if (response.active !== true) throw new InvalidToken('introspection: the token is not active');
  const claims = response as AccessTokenClaims;
  const tokenType = response.token_type;
  const expectedType = typeof claims.cnf?.jkt === 'string' ? 'DPoP' : 'Bearer';
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== expectedType.toLowerCase())) {
    throw new InvalidToken(`introspection: "token_type" is not ${expectedType}`);
  }
  if (claims.iss !== undefined && claims.iss !== settings.issuer) throw new InvalidToken('introspection: unexpected "iss"');
  if (!audienceMatches(claims.aud, settings.audience)) throw new InvalidToken('introspection: "aud" missing or not ours');
  checkTimestamps(claims, settings.clockTolerance);
  checkCommonClaims(claims);
  return claims;
}

/** What went wrong, for the log: the HTTP status (and OAuth `error`) if there was an answer. */
function failure(cause: unknown): string {
  const status =
    cause instanceof oauth.ResponseBodyError || cause instanceof oauth.WWWAuthenticateChallengeError
      ? cause.status
      : cause instanceof oauth.OperationProcessingError && cause.cause instanceof Response
        ? cause.cause.status
        : undefined;
  if (status !== undefined) return `answered HTTP ${status}${cause instanceof oauth.ResponseBodyError ? ` (${cause.error})` : ''}`;
  return `failed: ${cause instanceof Error ? cause.message : String(cause)}`;
}

/**
 * A verifier of opaque tokens by introspection. Active responses are cached for at most
 * `cacheMaxAge` and never past the token's `exp`; inactive ones are not cached. Concurrent checks
 * of one token share one request.
 *
 * The request and the response's shape are oauth4webapi's (client authentication, status, JSON,
 * `active`); the checks of what it says are {@link checkIntrospectionResponse}. An endpoint that
 * cannot be reached, answers anything but `200` with a JSON object (e.g. `401` because our client
 * credentials are wrong), or times out, is {@link TemporarilyUnavailable}.
 */
export function createIntrospector(settings: IntrospectionSettings): (token: string) => Promise<AccessTokenClaims> {
  const cache = new ClaimsCache(settings.cacheMaxEntries);
  const inFlight = new Map<string, Promise<AccessTokenClaims>>();

  const client: oauth.Client = { client_id: settings.clientId };
  const clientAuthentication =
    settings.authMethod === 'client_secret_basic'
      ? oauth.ClientSecretBasic(settings.clientSecret)
      : oauth.ClientSecretPost(settings.clientSecret);

  async function introspect(token: string): Promise<AccessTokenClaims> {
    const endpoint = await settings.endpoint();
    const as: oauth.AuthorizationServer = { issuer: settings.issuer, introspection_endpoint: endpoint.href };
    let response: Record<string, unknown>;
    try {
      const answer = await oauth.introspectionRequest(as, client, clientAuthentication, token, {
        ...oauthHttpOptions(settings.http, endpoint),
        additionalParameters: { token_type_hint: 'access_token' },
      });
      response = await oauth.processIntrospectionResponse(as, client, answer);
    } catch (cause) {
      // RFC 7009 §2.2.1's error, used by some servers (oidc-provider for JWTs) for tokens they do
      // not introspect: the token's fault, not an outage. Anything else (unreachable, a timeout,
      // 401 for our credentials, 5xx, not a JSON object) is ours, and must not be blamed on the token.
      if (cause instanceof oauth.ResponseBodyError && cause.status === 400 && cause.error === 'unsupported_token_type') {
        throw new InvalidToken('introspection: the server does not introspect this kind of token');
      }
      throw new TemporarilyUnavailable(`the introspection endpoint ${failure(cause)}`, { cause });
    }
    return checkIntrospectionResponse(response, settings);
  }

  return async (token) => {
    const key = await sha256(token);
    const cached = cache.get(key);
    if (cached) return cached;
    let pending = inFlight.get(key);
    if (!pending) {
      pending = introspect(token).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    const claims = await pending;
    if (settings.cacheMaxAge > 0) {
      const limit = Date.now() + settings.cacheMaxAge * 1000;
      cache.set(key, claims, typeof claims.exp === 'number' ? Math.min(limit, claims.exp * 1000) : limit);
    }
    return claims;
  };
}
