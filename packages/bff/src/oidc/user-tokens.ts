import type { Context } from 'hono';
import * as oidc from 'openid-client';
import type { ResolvedConfig } from '../config.js';
import { BffError } from '../errors.js';
import { verifyIdToken } from './id-token.js';
import type { Logger } from '../logger.js';
import type { Provider } from './oidc.js';
import type { Session, StoredAccessToken } from '../sessions/session-store.js';
import type { Sessions } from '../sessions/sessions.js';
import { SingleFlight } from './single-flight.js';
import { isUsable, storedAccessToken, type IssuedToken } from './tokens.js';

/** Thrown when the session cannot get a token any more: the caller ends it (401 session_expired). */
export const sessionExpired = (detail: string, cause?: unknown) =>
  new BffError('session_expired', { detail, cause });

/**
 * Hands out a user's access token for one audience, refreshing it first when it is about to expire.
 *
 * Refresh is single-flight per session, audience and rejected token: concurrent requests in this
 * process share one flight, and the flight runs in the session's exclusive section (a store lock, for
 * stores shared by several instances). Inside it the session is read again, so a refresh that another
 * request or instance just finished is never repeated with the spent refresh token; the rotated one
 * is persisted before the flight ends and any waiter goes on.
 */
export interface UserTokens {
  /**
   * A token for `resource` valid for at least the refresh margin; `rejected` forces a refresh past
   * that token value. At most one refresh grant per call: what it gives is answered, even the very
   * token an API just rejected (an IdP may hand out the same one again). Puts a refreshed session
   * into the response where the browser holds it. `refreshed` is also true when another request's
   * refresh was joined or found done: the token is new to this call either way.
   */
  accessToken(c: Context, session: Session, resource: string, rejected?: string): Promise<IssuedToken>;
}

export function createUserTokens(config: ResolvedConfig, provider: Provider, sessions: Sessions, logger: Logger): UserTokens {
  const flights = new SingleFlight<string, Session>();
  const usable = (token: StoredAccessToken | undefined, rejected: string | undefined): token is StoredAccessToken =>
    isUsable(token, config.refreshMargin, rejected);

  async function refresh(stale: Session, resource: string, rejected: string | undefined): Promise<Session> {
    const session = await sessions.reload(stale);
    if (!session) throw sessionExpired('The session has ended.');
    if (usable(session.accessTokens[resource], rejected)) return session; // done by another request or instance
    const refreshToken = session.refreshToken;
    if (!refreshToken) {
      await sessions.discard(session);
      throw sessionExpired('The session has no refresh token; sign in again.');
    }
    const keys = await provider.keys();
    let response: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>;
    try {
      response = await provider.call('refresh_token_grant', async ({ configuration, signingAlgorithms }) => {
        const response = await oidc.refreshTokenGrant(configuration, refreshToken, resource ? { resource } : undefined);
        // OIDC Core §12.2: a refreshed ID token is checked like the first, and names the same user.
        if (response.id_token !== undefined) {
          const expected = { issuer: configuration.serverMetadata().issuer, clientId: config.clientId, keys, algorithms: signingAlgorithms, sub: session.sub };
          await verifyIdToken(response.id_token, expected);
        }
        return response;
      });
    } catch (error) {
      // invalid_grant (expired, revoked or reused): this session can never get a token again. Any
      // other failure keeps it: the IdP may be back, or its configuration fixed, on a later call.
      if (error instanceof BffError && error.code === 'session_expired') {
        await sessions.discard(session);
        logger.info('session ended by the IdP', { sub: session.sub });
      }
      throw error;
    }
    const updated: Session = {
      ...session,
      refreshToken: response.refresh_token ?? refreshToken,
      ...(response.id_token !== undefined && config.logoutIdTokenHint ? { idToken: response.id_token } : {}),
      accessTokens: { ...session.accessTokens, [resource]: storedAccessToken(response) },
    };
    // Persisted before the flight settles: no waiter can see (or use) the spent refresh token.
    await sessions.persist(updated);
    return updated;
  }

  return {
    async accessToken(c, session, resource, rejected) {
      const token = session.accessTokens[resource];
      if (usable(token, rejected)) return { token, refreshed: false };
      const key = JSON.stringify([session.id, resource, rejected ?? '']);
      const current = await flights.run(key, () => sessions.exclusive(session.id, () => refresh(session, resource, rejected)));
      await sessions.attach(c, current);
      return { token: current.accessTokens[resource]!, refreshed: true };
    },
  };
}
