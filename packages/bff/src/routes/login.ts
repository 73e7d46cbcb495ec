import type { Handler } from 'hono';
import * as oidc from 'openid-client';
import type { BffDeps } from '../context.js';
import { loginParametersFrom } from '../login-parameters.js';
import { loginTransactionCookie } from '../transactions.js';
import { requireReturnTo } from '../return-to.js';
import { userResources } from '../token-targets.js';

/**
 * `GET {basePath}/login?returnTo=/path`: starts the authorization code flow (PKCE S256, state, nonce),
 * through a pushed authorization request (RFC 9126) where the IdP offers one. The allowed login
 * parameters (`prompt`, `login_hint`, …) of the query are passed on.
 */
export function login({ config, provider }: BffDeps): Handler {
  const transactions = loginTransactionCookie(config);
  const resources = userResources(config);
  return async (c) => {
    const query = new URL(c.req.url).searchParams;
    const returnTo = requireReturnTo(query.get('returnTo') ?? undefined, config.origin);
    const fromApp = loginParametersFrom(query, config.loginParameters);

    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = await provider.call('pushed_authorization_request', async ({ configuration, scope, pushedAuthorizationRequests }) => {
      const parameters = new URLSearchParams({
        ...config.authorizationParameters,
        ...fromApp,
        redirect_uri: config.redirectUri,
        response_type: 'code',
        scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      // RFC 8707: ask for every API audience now, so one consent covers them; the code is then
      // exchanged for the first one and the others are obtained by refresh.
      for (const resource of resources) parameters.append('resource', resource);
      return pushedAuthorizationRequests
        ? oidc.buildAuthorizationUrlWithPAR(configuration, parameters)
        : oidc.buildAuthorizationUrl(configuration, parameters);
    });

    await transactions.write(c, { state, nonce, codeVerifier, returnTo });
    c.header('Cache-Control', 'no-store');
    return c.redirect(url.href, 302);
  };
}
