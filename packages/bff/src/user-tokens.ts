import type { Context } from 'hono';
import * as oidc from 'openid-client';
import type { ResolvedConfig } from './config.js';
import { BffError } from './errors.js';
import type { Logger } from './logger.js';
import { asIdpError, isIdpUnreachable, type Provider } from './oidc.js';
import type { Session, StoredAccessToken } from './session-store.js';
import type { Sessions } from './sessions.js';
import { SingleFlight } from './single-flight.js';
import { isUsable, storedAccessToken } from './tokens.js';

/** Thrown when the session cannot get a token any more: the caller ends it (401 session_expired). */
export const sessionExpired = (detail: string, cause?: unknown) =>
  new BffError(401, 'session_expired', detail, undefined, cause === undefined ? undefined : { cause });

/**
 * Hands out a user's access token for one audience, refreshing it first when it is about to expire.
 *
 * Refresh is single-flight per session: concurrent requests in this process share one flight, and
 * the flight runs in the session's exclusive section (a store lock, for stores shared by several
 * instances). Inside it the session is read again, so a refresh that another request or instance
 * just finished is never repeated with the spent refresh token; the rotated one is persisted before
 * the flight ends and any waiter goes on.
 */
export interface UserTokens {
  /**
   * A token for `resource` valid for at least the refresh margin; `rejected` forces a refresh past
   * that token value. Puts a refreshed session into the response where the browser holds it.
   */
  accessToken(c: Context, session: Session, resource: string, rejected?: string): Promise<StoredAccessToken>;
}

export function createUserTokens(config: ResolvedConfig, provider: Provider, sessions: Sessions, logger: Logger): UserTokens {
  const flights = new SingleFlight<string, Session>();
  const usable = (token: StoredAccessToken | undefined, rejected: string | undefined): token is StoredAccessToken =>
    isUsable(token, config.refreshMargin, rejected);

  async function refresh(stale: Session, resource: string, rejected: string | undefined): Promise<Session> {
    const session = await sessions.reload(stale);
    if (!session) throw sessionExpired('The session has ended.');
    if (usable(session.accessTokens[resource], rejected)) return session; // done by another request or instance
    if (!session.refreshToken) {
      await sessions.discard(session);
      throw sessionExpired('The session has no refresh token; sign in again.');
    }
    const configuration = await provider.configuration();
    let response: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>;
    try {
      response = await oidc.refreshTokenGrant(configuration, session.refreshToken, resource ? { resource } : undefined);
    } catch (error) {
      if (isIdpUnreachable(error)) throw asIdpError(error); // keep the session: a later call may succeed
      if (error instanceof oidc.ResponseBodyError && error.error === 'invalid_grant') {
        // Expired, revoked or reused: this session can never get a token again.
        await sessions.discard(session);
        logger.info('session ended by the IdP', { sub: session.sub });
        throw sessionExpired('The session has expired; sign in again.', error);
      }
      throw error;
    }
    const updated: Session = {
      ...session,
      refreshToken: response.refresh_token ?? session.refreshToken,
      ...(response.id_token !== undefined ? { idToken: response.id_token } : {}),
      accessTokens: { ...session.accessTokens, [resource]: storedAccessToken(response) },
    };
    // Persisted before the flight settles: no waiter can see (or use) the spent refresh token.
    await sessions.persist(updated);
    return updated;
  }

  return {
    async accessToken(c, session, resource, rejected) {
      let current = session;
      // A flight in progress may be for another audience: wait for it, then try again for ours.
      for (let attempt = 0; attempt < 3; attempt++) {
        const token = current.accessTokens[resource];
        if (usable(token, rejected)) {
          if (current !== session) await sessions.attach(c, current);
          return token;
        }
        const stale = current;
        current = await flights.run(stale.id, () => sessions.exclusive(stale.id, () => refresh(stale, resource, rejected)));
      }
      throw new BffError(503, 'idp_unavailable', 'Could not obtain a fresh token; try again.', { 'Retry-After': '1' });
    },
  };
}
