import * as oidc from 'openid-client';
import type { ResolvedConfig } from '../config.js';
import { BffError } from '../errors.js';
import { idpFailureFacts } from './idp-errors.js';
import type { Provider } from './oidc.js';
import { userResources } from './token-targets.js';

/** Where to send the browser to sign in, and the values that bind the IdP's redirect back to it. */
export interface AuthorizationRequest {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** The `max_age` and `acr_values` asked for, if any: what the sign-in must show (see code-exchange.ts). */
  maxAge?: number;
  acrValues?: string;
}

/**
 * The authorization code request (PKCE S256, `state`, `nonce`), pushed to the IdP first (RFC 9126)
 * where it offers that. `fromApp` are the login parameters the app passed (`prompt`, `login_hint`, …).
 */
export function authorizationRequests(
  config: ResolvedConfig,
  provider: Provider,
): (fromApp: Record<string, string>) => Promise<AuthorizationRequest> {
  const resources = userResources(config);
  return async (fromApp) => {
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
    return { url, state, nonce, codeVerifier, ...askedOfSignIn({ ...config.authorizationParameters, ...fromApp }) };
  };
}

/** What the request asks of the sign-in itself, configured or from the app. */
function askedOfSignIn({
  max_age: maxAge,
  acr_values: acrValues,
}: Record<string, string>): Pick<AuthorizationRequest, 'maxAge' | 'acrValues'> {
  // (The app's max_age is whole seconds already; a configured one the IdP would have to make sense of.)
  return { ...(maxAge !== undefined && /^\d{1,9}$/.test(maxAge) ? { maxAge: Number(maxAge) } : {}), ...(acrValues ? { acrValues } : {}) };
}

/**
 * The IdP refused a pushed request (400) that carried parameters from the app (`prompt=create` where
 * it does not support it): the app's request was bad, not the BFF's configuration.
 */
function refusedParameters(error: unknown, fromApp: Record<string, string>): BffError | undefined {
  if (Object.keys(fromApp).length === 0 || !(error instanceof BffError) || error.code !== 'idp_rejected') return undefined;
  if (idpFailureFacts(error.cause).status !== 400) return undefined;
  return new BffError('invalid_request', { detail: 'The identity provider refused these sign-in parameters.', cause: error });
}
