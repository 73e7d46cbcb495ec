import type { Handler } from 'hono';
import * as oidc from 'openid-client';
import type { BffDeps } from '../context.js';
import { BffError } from '../errors.js';
import { idpFailureFacts } from '../oidc/idp-errors.js';
import { loginParametersFrom } from '../oidc/login-parameters.js';
import { loginTransactionCookie } from '../sessions/transactions.js';
import { requireReturnTo } from '../return-to.js';
import { userResources } from '../oidc/token-targets.js';

/**
 * The IdP refused a pushed request (400) that carried parameters from the app (`prompt=create` where
 * it does not support it): the app's request was bad, not the BFF's configuration.
 */
function refusedParameters(error: unknown, fromApp: Record<string, string>): BffError | undefined {
  if (Object.keys(fromApp).length === 0 || !(error instanceof BffError) || error.code !== 'idp_rejected') return undefined;
  if (idpFailureFacts(error.cause).status !== 400) return undefined;
  return new BffError('invalid_request', { detail: 'The identity provider refused these sign-in parameters.', cause: error });
}

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
    const url = await provider
      .call('pushed_authorization_request', async ({ configuration, scope, pushedAuthorizationRequests }) => {
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
      })
      .catch((error: unknown) => {
        throw refusedParameters(error, fromApp) ?? error;
      });

    await transactions.write(c, { state, nonce, codeVerifier, returnTo });
    c.header('Cache-Control', 'no-store');
    return c.redirect(url.href, 302);
  };
}
