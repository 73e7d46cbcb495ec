import * as oidc from 'openid-client';
import type { Logger } from './logger.js';
import type { Provider } from './oidc.js';
import type { Session } from './session-store.js';

/**
 * Revokes the session's refresh token at the IdP (RFC 7009) where it offers a revocation endpoint.
 * Best effort: the session is already gone here, and an IdP that is down must not keep anyone
 * signed in, so a failure is logged, not thrown.
 */
export async function revokeRefreshToken(provider: Provider, session: Session, logger: Logger): Promise<void> {
  if (!session.refreshToken) return;
  try {
    const configuration = await provider.configuration();
    if (!configuration.serverMetadata().revocation_endpoint) return;
    await oidc.tokenRevocation(configuration, session.refreshToken, { token_type_hint: 'refresh_token' });
  } catch (error) {
    logger.warn('refresh token revocation failed', { error });
  }
}
