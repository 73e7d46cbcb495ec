import type { LogoutResponse } from '@cloakroom/protocol';
import { Hono } from 'hono';
import type { BffDeps, BffEnv } from '../context.js';
import { requireCsrfHeader } from '../csrf.js';
import { loadSession } from '../load-session.js';
import { navigationErrors } from '../navigation-errors.js';
import { endSessionRequest } from '../oidc/end-session.js';
import { revokeRefreshTokens } from '../oidc/revocation.js';
import { requireReturnTo } from '../return-to.js';
import { logoutTransactionCookie } from '../sessions/transactions.js';

/**
 * `POST {basePath}/logout?returnTo=/path`: revokes the refresh token (RFC 7009) where the IdP can,
 * deletes the session, clears the cookie and answers with the IdP's end-session URL, whose `state`
 * comes back to `GET {basePath}/logout/callback`. That redirect goes back to the `returnTo` given to
 * `/logout`; a stale or replayed one (Back after signing out, a second tab) was signed out already:
 * it lands on the app's root, with nothing to report.
 */
export function logout({ config, provider, sessions, logger }: BffDeps): Hono<BffEnv> {
  const transactions = logoutTransactionCookie(config);
  const answer = (endSessionUrl: string | null): LogoutResponse => ({ endSessionUrl });
  return new Hono<BffEnv>()
    .post('/logout', requireCsrfHeader(config.origin), loadSession(sessions), async (c) => {
      const returnTo = requireReturnTo(c.req.query('returnTo'), config.origin);
      const current = c.var.session;
      await sessions.end(c, current);
      c.header('Cache-Control', 'no-store');
      if (!current) return c.json(answer(null));

      // Asked once for both uses: an IdP that cannot be discovered would otherwise cost two timeouts.
      const discovered = await provider.discover().catch(() => undefined);
      await revokeRefreshTokens(provider, discovered, [current]);
      logger.info('signed out', { sub: current.sub });
      const endSession = endSessionRequest(config, discovered, current);
      if (!endSession) return c.json(answer(null));
      await transactions.write(c, { state: endSession.state, returnTo });
      return c.json(answer(endSession.url.href));
    })
    .get('/logout/callback', navigationErrors(config), async (c) => {
      const transaction = await transactions.read(c);
      transactions.clear(c);
      const matches = transaction !== undefined && transaction.state === c.req.query('state');
      c.header('Cache-Control', 'no-store');
      return c.redirect(matches ? transaction.returnTo : '/', 302);
    });
}
