import * as oidc from 'openid-client';
import type { DiscoveredProvider, Provider } from './oidc.js';
import type { Session } from '../sessions/session-store.js';

/**
 * Revokes the refresh tokens of ended sessions at the IdP (RFC 7009) where it offers a revocation
 * endpoint. Best effort: the sessions are already gone here, and an IdP that is down must not keep
 * anyone signed in, so a failure is logged (by {@link Provider.call}), not thrown. `discovered` is
 * undefined when the IdP could not even be discovered; the caller asks once, however many sessions ended.
 */
export async function revokeRefreshTokens(
  provider: Provider,
  discovered: DiscoveredProvider | undefined,
  sessions: Session[],
): Promise<void> {
  if (!discovered?.configuration.serverMetadata().revocation_endpoint) return;
  await Promise.all(
    sessions.map(async ({ refreshToken }) => {
      if (!refreshToken) return;
      await provider
        .call('revocation', ({ configuration }) => oidc.tokenRevocation(configuration, refreshToken, { token_type_hint: 'refresh_token' }))
        .catch(() => undefined);
    }),
  );
}
