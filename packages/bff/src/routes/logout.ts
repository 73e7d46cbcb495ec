import type { LogoutResponse } from '@cloakroom/protocol';
import type { Handler } from 'hono';
import * as oidc from 'openid-client';
import type { BffDeps } from '../context.js';
import { logoutTransactionCookie } from '../sessions/transactions.js';
import { revokeRefreshTokens } from '../oidc/revocation.js';
import { requireReturnTo } from '../return-to.js';

/**
 * `POST {basePath}/logout?returnTo=/path`: revokes the refresh token (RFC 7009) where the IdP can,
 * deletes the session, clears the cookie and answers with the IdP's end-session URL, whose `state`
 * comes back to `{basePath}/logout/callback`.
 */
export function logout({ config, provider, sessions, logger }: BffDeps): Handler {
  const transactions = logoutTransactionCookie(config);
  return async (c) => {
    const returnTo = requireReturnTo(c.req.query('returnTo'), config.origin);
    const current = await sessions.load(c);
    await sessions.end(c, current);
    c.header('Cache-Control', 'no-store');
    if (!current) return c.json({ endSessionUrl: null } satisfies LogoutResponse);

    // Asked once for both uses: an IdP that cannot be discovered would otherwise cost two timeouts.
    const discovered = await provider.discover().catch(() => undefined);
    await revokeRefreshTokens(provider, discovered, [current]);
    logger.info('signed out', { sub: current.sub });
    const configuration = discovered?.configuration;
    if (!configuration?.serverMetadata().end_session_endpoint) return c.json({ endSessionUrl: null } satisfies LogoutResponse);

    const state = oidc.randomState();
    await transactions.write(c, { state, returnTo });
    const endSessionUrl = oidc.buildEndSessionUrl(configuration, {
      // The end-session URL passes through the browser, where no token goes unless the app opts in;
      // openid-client adds client_id, which OIDC RP-Initiated Logout 1.0 §2 accepts instead.
      ...(config.logoutIdTokenHint && current.idToken ? { id_token_hint: current.idToken } : {}),
      post_logout_redirect_uri: config.postLogoutRedirectUri,
      state,
    });
    return c.json({ endSessionUrl: endSessionUrl.href } satisfies LogoutResponse);
  };
}

/**
 * `GET {basePath}/logout/callback?state=…`: the IdP's redirect after logout; back to the `returnTo`
 * given to `/logout`. A stale or replayed one (Back after signing out, a second tab) was signed out
 * already: it lands on the app's root, with nothing to report.
 */
export function logoutCallback({ config }: BffDeps): Handler {
  const transactions = logoutTransactionCookie(config);
  return async (c) => {
    const transaction = await transactions.read(c);
    transactions.clear(c);
    const matches = transaction !== undefined && transaction.state === c.req.query('state');
    c.header('Cache-Control', 'no-store');
    return c.redirect(matches ? transaction.returnTo : '/', 302);
  };
}
