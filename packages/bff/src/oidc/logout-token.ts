import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { isKeySetFailure } from './idp-errors.js';
import type { ReplayCache } from '../sessions/replay-cache.js';

/** OIDC Back-Channel Logout 1.0 §2.4: the event a logout token must carry. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Why a logout token was refused (answered as a 400 with this reason). */
export class LogoutTokenError extends Error {
  override readonly name = 'LogoutTokenError';
}

/** The claims of a valid logout token that say whom to sign out. */
export interface LogoutTarget {
  sub?: string;
  sid?: string;
}

export interface LogoutTokenChecks {
  issuer: string;
  clientId: string;
  keys: JWTVerifyGetKey;
  /** Signature algorithms accepted; never `none`, never symmetric ones. */
  algorithms: string[];
  /** How far `iat` may lie from now, in seconds. */
  maxAge: number;
  replays: ReplayCache;
}

/**
 * Validates a logout token as §2.6 of the spec lists it: signature with the IdP's keys, `iss`, `aud`,
 * `iat` within the window, the back-channel logout event, `sub` or `sid`, no `nonce`, an unseen `jti`.
 * Throws a {@link LogoutTokenError} for a bad token, the fetch error when the keys cannot be had.
 */
export async function verifyLogoutToken(token: string, checks: LogoutTokenChecks): Promise<LogoutTarget> {
  let payload: JWTPayload;
  let typ: unknown;
  try {
    ({
      payload,
      protectedHeader: { typ },
    } = await jwtVerify(token, checks.keys, {
      issuer: checks.issuer,
      audience: checks.clientId,
      algorithms: checks.algorithms,
      maxTokenAge: checks.maxAge,
      requiredClaims: ['iat', 'jti'],
      clockTolerance: 5,
    }));
  } catch (error) {
    // The keys could not be fetched: not the token's fault (the caller answers 503; the IdP may send it again).
    if (isKeySetFailure(error) || !(error instanceof errors.JOSEError)) throw error;
    throw new LogoutTokenError(`logout_token rejected: ${error.code}`);
  }
  // §2.4 recommends `logout+jwt`: any other type is another kind of token (an `at+jwt`, say) replayed here.
  if (typ !== undefined && (typeof typ !== 'string' || typ.toLowerCase().replace(/^application\//, '') !== 'logout+jwt')) {
    throw new LogoutTokenError('logout_token typ is not logout+jwt');
  }
  if (typeof payload.jti !== 'string') throw new LogoutTokenError('logout_token jti must be a string');
  if (payload.iat! > Date.now() / 1000 + 5) throw new LogoutTokenError('logout_token iat is in the future');
  const events = payload.events;
  if (typeof events !== 'object' || events === null || Array.isArray(events)) {
    throw new LogoutTokenError('logout_token has no events claim');
  }
  const event = (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT];
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new LogoutTokenError('logout_token events lacks the back-channel logout event');
  }
  // A nonce would make it an ID token: refusing it keeps ID tokens from being replayed as logout tokens.
  if ('nonce' in payload) throw new LogoutTokenError('logout_token must not contain a nonce');
  const sub = typeof payload.sub === 'string' ? payload.sub : undefined;
  const sid = typeof payload.sid === 'string' ? payload.sid : undefined;
  if (!sub && !sid) throw new LogoutTokenError('logout_token has neither sub nor sid');
  if (!checks.replays.claim(payload.jti)) throw new LogoutTokenError('logout_token jti was already used');
  return { ...(sub ? { sub } : {}), ...(sid ? { sid } : {}) };
}
