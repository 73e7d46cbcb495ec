import type * as oidc from 'openid-client';
import type { ApiTokenBinding } from '../config.js';
import type { DpopKeyPair } from '../dpop/keys.js';
import type { StoredAccessToken } from '../sessions/session-store.js';
import { IdpResponseError } from './idp-errors.js';

/** Access-token lifetime assumed when the IdP does not say (`expires_in` is only RECOMMENDED). */
const DEFAULT_LIFETIME = 300;

/** The part of a token endpoint response the BFF keeps for an API call. */
export function storedAccessToken(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): StoredAccessToken {
  const lifetime = response.expiresIn() ?? DEFAULT_LIFETIME;
  return {
    value: response.access_token,
    // Not rounded: a whole-second floor would make a token of a few seconds look expired up to a
    // second early, and refresh it at once.
    expiresAt: Date.now() / 1000 + lifetime,
    lifetime,
    ...(response.scope !== undefined ? { scope: response.scope } : {}),
    // oauth4webapi has lower-cased it; only the uncommon kind is written down.
    ...(response.token_type === 'dpop' ? { tokenType: 'DPoP' as const } : {}),
  };
}

/**
 * An IdP that answers a token request made with a DPoP proof with a bearer token has ignored the
 * proof (RFC 9449 §5): refused, since the API asked for tokens that a thief cannot use.
 */
export function checkDpopBound(response: oidc.TokenEndpointResponse): void {
  if (response.token_type !== 'dpop') {
    throw new IdpResponseError('The identity provider issued a bearer token where a DPoP-bound one was asked for', 'token_not_dpop_bound');
  }
}

/** The token is bound as `binding` says: a DPoP API never gets a bearer token, nor a bearer API a bound one. */
export function hasBinding(token: StoredAccessToken, binding: ApiTokenBinding): boolean {
  return (token.tokenType === 'DPoP') === (binding === 'dpop');
}

/** A token handed out for one upstream call, and whether a grant was made for it just now. */
export interface IssuedToken {
  token: StoredAccessToken;
  /** A refresh (or client-credentials) grant obtained it for this call: no second one for the same call. */
  refreshed: boolean;
  /** For a DPoP-bound token: the key its proofs are signed with. */
  proofKey?: DpopKeyPair | undefined;
}

/**
 * A token is usable when it is not the one an API just rejected and it has more than the refresh
 * margin left, the margin being capped at half the token's lifetime (so short tokens are still used).
 */
export function isUsable(token: StoredAccessToken | undefined, margin: number, rejected?: string): token is StoredAccessToken {
  return token !== undefined && token.value !== rejected && token.expiresAt - Date.now() / 1000 > Math.min(margin, token.lifetime / 2);
}

// Protocol claims of an ID token or userinfo response: they prove the token or say how it was
// issued (some IdPs add access-token claims such as client_id and scope), nothing about the user.
const PROTOCOL_CLAIMS = new Set([
  'iss',
  'aud',
  'exp',
  'iat',
  'nbf',
  'nonce',
  'at_hash',
  'c_hash',
  's_hash',
  'azp',
  'sid',
  'jti',
  'auth_time',
  'acr',
  'amr',
  'client_id',
  'scope',
  'typ',
  'cnf',
  'act',
  'may_act',
]);

/**
 * The user's claims from a validated ID token or userinfo response, as `/session` shows them beside
 * `sub`. `sub` itself is the session's own field, not kept twice (a session's bytes are a budget).
 */
export function userClaims(claims: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => name !== 'sub' && !PROTOCOL_CLAIMS.has(name)));
}
