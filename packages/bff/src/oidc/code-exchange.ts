import * as oidc from 'openid-client';
import type { ResolvedConfig } from '../config.js';
import { BffError } from '../errors.js';
import type { NewSession } from '../sessions/sessions.js';
import type { LoginTransaction } from '../sessions/transactions.js';
import { verifyIdToken } from './id-token.js';
import type { Provider } from './oidc.js';
import { loginResource } from './token-targets.js';
import { storedAccessToken, userClaims } from './tokens.js';

/**
 * Redeems the authorization code of the IdP's redirect back (`search`: its query) for the session it
 * signs in: checks `state` and `iss`, exchanges the code with the PKCE verifier, validates the ID
 * token (JWKS signature, `iss`, `aud`, `exp`, `iat`, `nonce`) and fetches userinfo where configured.
 */
export function codeExchange(
  config: ResolvedConfig,
  provider: Provider,
): (transaction: LoginTransaction, search: string) => Promise<NewSession> {
  const resource = loginResource(config);
  return async (transaction, search) => {
    // Rebuilt from the configured origin: the Host header is not to be trusted.
    const currentUrl = new URL(config.redirectUri);
    currentUrl.search = search;

    const keys = await provider.keys();
    const { tokens, idToken, rawIdToken } = await provider.call(
      'authorization_code_grant',
      async ({ configuration, signingAlgorithms }) => {
        const tokens = await oidc.authorizationCodeGrant(
          configuration,
          currentUrl,
          {
            pkceCodeVerifier: transaction.codeVerifier,
            expectedState: transaction.state,
            expectedNonce: transaction.nonce,
            idTokenExpected: true,
          },
          resource ? { resource } : undefined,
        );
        const idToken = tokens.claims();
        if (!idToken || tokens.id_token === undefined)
          throw new BffError('invalid_callback', { detail: 'The identity provider sent no ID token.' });
        await verifyIdToken(tokens.id_token, {
          issuer: configuration.serverMetadata().issuer,
          clientId: config.clientId,
          keys,
          algorithms: signingAlgorithms,
        });
        return { tokens, idToken, rawIdToken: tokens.id_token };
      },
    );
    const userinfo = config.userinfo
      ? await provider.call('userinfo', ({ configuration }) => oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub))
      : {};
    return {
      sub: idToken.sub,
      ...(typeof idToken.sid === 'string' ? { sid: idToken.sid } : {}),
      claims: { ...userClaims(idToken), ...userClaims(userinfo) },
      ...(config.logoutIdTokenHint ? { idToken: rawIdToken } : {}),
      ...(tokens.refresh_token !== undefined ? { refreshToken: tokens.refresh_token } : {}),
      accessTokens: { [resource]: storedAccessToken(tokens) },
    };
  };
}
