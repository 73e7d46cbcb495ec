import { Hono } from 'hono';
import { redirectToBaseUrl } from '../canonical-origin.js';
import type { BffDeps, BffEnv } from '../context.js';
import { loadSession } from '../load-session.js';
import { navigationErrors } from '../navigation-errors.js';
import { authorizationRequests } from '../oidc/authorization-request.js';
import { loginParametersFrom } from '../oidc/login-parameters.js';
import { requireReturnTo } from '../return-to.js';
import { loginTransactionCookie } from '../sessions/transactions.js';

/**
 * `GET {basePath}/login?returnTo=/path`: starts the authorization code flow (PKCE S256, state, nonce),
 * through a pushed authorization request (RFC 9126) where the IdP offers one. The allowed login
 * parameters (`prompt`, `login_hint`, …) of the query are passed on.
 */
export function login({ config, provider, sessions }: BffDeps): Hono<BffEnv> {
  const transactions = loginTransactionCookie(config);
  const authorizationRequest = authorizationRequests(config, provider);
  return new Hono<BffEnv>().get('/login', navigationErrors(config), redirectToBaseUrl(config), loadSession(sessions), async (c) => {
    const query = new URL(c.req.url).searchParams;
    const returnTo = requireReturnTo(query.get('returnTo') ?? undefined, config.origin);
    const { url, ...binding } = await authorizationRequest(loginParametersFrom(query, config.loginParameters));
    // A signed-in user signing in again (step-up, prompt=login): the new session will replace this one.
    await transactions.write(c, { ...binding, returnTo, ...(c.var.session ? { replaces: c.var.session.id } : {}) });
    c.header('Cache-Control', 'no-store');
    return c.redirect(url.href, 302);
  });
}
