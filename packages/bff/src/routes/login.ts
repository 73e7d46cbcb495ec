import type { Handler } from 'hono';
import * as oidc from 'openid-client';
import type { BffDeps } from '../context.js';
import { loginTransactionCookie } from '../transactions.js';
import { requireReturnTo } from '../return-to.js';
import { loginScopes, userResources } from '../token-targets.js';

/** `GET {basePath}/login?returnTo=/path`: starts the authorization code flow (PKCE S256, state, nonce). */
export function login({ config, provider }: BffDeps): Handler {
  const transactions = loginTransactionCookie(config);
  const scope = loginScopes(config).join(' ');
  const resources = userResources(config);
  return async (c) => {
    const returnTo = requireReturnTo(c.req.query('returnTo'), config.origin);
    const configuration = await provider.configuration();

    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const parameters = new URLSearchParams({
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

    await transactions.write(c, { state, nonce, codeVerifier, returnTo });
    c.header('Cache-Control', 'no-store');
    return c.redirect(oidc.buildAuthorizationUrl(configuration, parameters).href, 302);
  };
}
