import * as oidc from 'openid-client';
import type { Logger } from './logger.js';
import type { Session } from './session-store.js';

/**
 * Revokes the refresh tokens of ended sessions at the IdP (RFC 7009) where it offers a revocation
 * endpoint. Best effort: the sessions are already gone here, and an IdP that is down must not keep
 * anyone signed in, so a failure is logged, not thrown. `configuration` is undefined when the IdP
 * could not even be discovered; the caller asks once, however many sessions ended.
 */
export async function revokeRefreshTokens(configuration: oidc.Configuration | undefined, sessions: Session[], logger: Logger): Promise<void> {
  if (configuration && !configuration.serverMetadata().revocation_endpoint) return;
  await Promise.all(
    sessions.map(async ({ refreshToken }) => {
      if (!refreshToken) return;
      try {
        if (!configuration) throw new Error('the identity provider cannot be reached');
        await oidc.tokenRevocation(configuration, refreshToken, { token_type_hint: 'refresh_token' });
      } catch (error) {
        logger.warn('refresh token revocation failed', { error });
      }
    }),
  );
}
