import * as oidc from 'openid-client';
import type { ResolvedConfig } from '../config.js';
import { BffError } from '../errors.js';
import { verifyIdToken } from './id-token.js';
import type { Logger } from '../logger.js';
import type { Provider } from './oidc.js';
import { newSessionDpopKey, sessionDpopKeys } from '../dpop/keys.js';
import type { Session, StoredAccessToken } from '../sessions/session-store.js';
import type { Sessions } from '../sessions/sessions.js';
import { SingleFlight } from './single-flight.js';
import { userTokenBindings } from './token-targets.js';
import { checkDpopBound, hasBinding, isUsable, storedAccessToken, type IssuedToken } from './tokens.js';

/**
 * The session can never get a token again: it has ended, has no refresh token, or the IdP refused
 * its refresh token (`invalid_grant`). The caller ends the session where the browser holds it.
 */
export class SessionEndedError extends Error {
  override readonly name = 'SessionEndedError';
}

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
   * token an API just rejected (an IdP may hand out the same one again). `session` is the session as
   * it now is, for the caller to put where the browser holds it when it changed. `refreshed` is also
   * true when another request's refresh was joined or found done: the token is new to this call.
   * @throws {SessionEndedError} when the session can never get a token again.
   */
  accessToken(session: Session, resource: string, rejected?: string): Promise<IssuedToken & { session: Session }>;
}

export function createUserTokens(config: ResolvedConfig, provider: Provider, sessions: Sessions, logger: Logger): UserTokens {
  const flights = new SingleFlight<string, Session>();
  const bindings = userTokenBindings(config);
  const dpopKeys = sessionDpopKeys();
  const usable = (token: StoredAccessToken | undefined, resource: string, rejected: string | undefined): token is StoredAccessToken =>
    isUsable(token, config.refreshMargin, rejected) && hasBinding(token, bindings.get(resource) ?? 'bearer');

  async function refresh(stale: Session, resource: string, rejected: string | undefined): Promise<Session> {
    const session = await sessions.reload(stale);
    if (!session) throw new SessionEndedError('The session has ended.');
    if (usable(session.accessTokens[resource], resource, rejected)) return session; // done by another request or instance
    const refreshToken = session.refreshToken;
    if (!refreshToken) throw new SessionEndedError('The session has no refresh token; sign in again.');
    const keys = await provider.keys();
    // A session that began before its API turned DPoP on gets its key now.
    const dpopKey = bindings.get(resource) === 'dpop' ? (session.dpopKey ?? (await newSessionDpopKey())) : undefined;
    const proofKey = dpopKey && (await dpopKeys(session.id, dpopKey));
    let response: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>;
    try {
      response = await provider.call('refresh_token_grant', async ({ configuration, signingAlgorithms, dpop }) => {
        const parameters = resource ? { resource } : undefined;
        const response = await oidc.refreshTokenGrant(configuration, refreshToken, parameters, proofKey && { DPoP: dpop(proofKey) });
        if (proofKey) checkDpopBound(response);
        // OIDC Core §12.2: a refreshed ID token is checked like the first, and names the same user.
        if (response.id_token !== undefined) {
          const expected = {
            issuer: configuration.serverMetadata().issuer,
            clientId: config.clientId,
            keys,
            algorithms: signingAlgorithms,
            sub: session.sub,
          };
          await verifyIdToken(response.id_token, expected);
        }
        return response;
      });
    } catch (error) {
      // invalid_grant (expired, revoked or reused): this session can never get a token again. Any
      // other failure keeps it: the IdP may be back, or its configuration fixed, on a later call.
      if (error instanceof BffError && error.code === 'session_expired') {
        logger.info('session ended by the IdP', { sub: session.sub });
        throw new SessionEndedError('The identity provider refused the refresh token; sign in again.', { cause: error });
      }
      throw error;
    }
    const updated: Session = {
      ...session,
      ...(dpopKey ? { dpopKey } : {}),
      refreshToken: response.refresh_token ?? refreshToken,
      ...(response.id_token !== undefined && config.logoutIdTokenHint ? { idToken: response.id_token } : {}),
      accessTokens: { ...session.accessTokens, [resource]: storedAccessToken(response) },
    };
    // Persisted before the flight settles: no waiter can see (or use) the spent refresh token.
    await sessions.persist(updated);
    return updated;
  }

  return {
    async accessToken(session, resource, rejected) {
      let issued: IssuedToken & { session: Session };
      const token = session.accessTokens[resource];
      if (usable(token, resource, rejected)) issued = { token, refreshed: false, session };
      else {
        const key = JSON.stringify([session.id, resource, rejected ?? '']);
        const current = await flights.run(key, () => sessions.exclusive(session.id, () => refresh(session, resource, rejected)));
        issued = { token: current.accessTokens[resource]!, refreshed: true, session: current };
      }
      if (issued.token.tokenType !== 'DPoP') return issued;
      // A DPoP-bound token comes with the session's key, to sign its proofs.
      const { dpopKey } = issued.session;
      if (!dpopKey) throw new SessionEndedError('The session holds a DPoP-bound token without its key; sign in again.');
      return { ...issued, proofKey: await dpopKeys(issued.session.id, dpopKey) };
    },
  };
}
