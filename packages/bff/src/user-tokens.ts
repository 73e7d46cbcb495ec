import * as oidc from 'openid-client';
import type { ResolvedConfig } from './config.js';
import { BffError } from './errors.js';
import type { Logger } from './logger.js';
import { asIdpError, isIdpUnreachable, type Provider } from './oidc.js';
import type { Session, SessionStore, StoredAccessToken } from './session-store.js';
import { SingleFlight } from './single-flight.js';
import { isUsable, storedAccessToken } from './tokens.js';

/** Thrown when the session cannot get a token any more: the caller ends it (401 session_expired). */
export const sessionExpired = (detail: string, cause?: unknown) =>
  new BffError(401, 'session_expired', detail, undefined, cause === undefined ? undefined : { cause });

/**
 * Hands out a user's access token for one audience, refreshing it first when it is about to expire.
 *
 * Refresh is single-flight per session: concurrent requests share one refresh-token grant. With
 * rotation the IdP spends the old refresh token on use, so the flight writes the rotated one to the
 * store before any waiter goes on, and re-reads the store before it starts, so a refresh that just
 * finished is never repeated with a spent token.
 */
export interface UserTokens {
  /** A token for `resource` valid for at least the refresh margin. `rejected` forces a refresh past that value. */
  accessToken(session: Session, resource: string, rejected?: string): Promise<StoredAccessToken>;
}

export function createUserTokens(config: ResolvedConfig, provider: Provider, store: SessionStore, logger: Logger): UserTokens {
  const flights = new SingleFlight<string, Session>();
  const now = () => Math.floor(Date.now() / 1000);
  const usable = (token: StoredAccessToken | undefined, rejected: string | undefined): token is StoredAccessToken =>
    isUsable(token, config.refreshMargin, rejected);

  async function refresh(sessionId: string, resource: string, rejected: string | undefined): Promise<Session> {
    const session = await store.get(sessionId);
    if (!session) throw sessionExpired('The session has ended.');
    if (usable(session.accessTokens[resource], rejected)) return session; // another flight did it
    if (!session.refreshToken) {
      await store.delete(session.id);
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
        await store.delete(session.id);
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
    // Stored before the flight settles: no waiter can see (or use) the spent refresh token.
    await store.set(updated, Math.max(1, updated.expiresAt - now()));
    return updated;
  }

  return {
    async accessToken(session, resource, rejected) {
      let current = session;
      // A flight in progress may be for another audience: wait for it, then try again for ours.
      for (let attempt = 0; attempt < 3; attempt++) {
        const token = current.accessTokens[resource];
        if (usable(token, rejected)) return token;
        current = await flights.run(current.id, () => refresh(current.id, resource, rejected));
      }
      const token = current.accessTokens[resource];
      if (usable(token, rejected)) return token;
      throw new BffError(503, 'idp_unavailable', 'Could not obtain a fresh token; try again.', { 'Retry-After': '1' });
    },
  };
}
