import * as oidc from 'openid-client';
import type { ResolvedConfig } from '../config.js';
import { BffError } from '../errors.js';
import { dpopKeyPair, newSessionDpopKey } from '../dpop/keys.js';
import type { NewSession } from '../sessions/sessions.js';
import type { LoginTransaction } from '../sessions/transactions.js';
import { verifyIdToken } from './id-token.js';
import type { Provider } from './oidc.js';
import { loginResource, userTokenBindings } from './token-targets.js';
import { checkDpopBound, storedAccessToken, userClaims } from './tokens.js';

/**
 * Redeems the authorization code of the IdP's redirect back (`search`: its query) for the session it
 * signs in: checks `state` and `iss`, exchanges the code with the PKCE verifier, validates the ID
 * token (JWKS signature, `iss`, `aud`, `exp`, `iat`, `nonce`, and `auth_time` against a `max_age`
 * asked for) and fetches userinfo where configured. Where an API gets DPoP-bound user tokens, the
 * session gets its DPoP key here, and the code is exchanged with a proof when the sign-in's token is one.
 */
export function codeExchange(
  config: ResolvedConfig,
  provider: Provider,
): (transaction: LoginTransaction, search: string) => Promise<NewSession> {
  const resource = loginResource(config);
  const bindings = userTokenBindings(config);
  const sessionsNeedKey = [...bindings.values()].includes('dpop');
  return async (transaction, search) => {
    // Rebuilt from the configured origin: the Host header is not to be trusted.
    const currentUrl = new URL(config.redirectUri);
    currentUrl.search = search;

    const keys = await provider.keys();
    const dpopKey = sessionsNeedKey ? await newSessionDpopKey() : undefined;
    const proofKey = dpopKey && bindings.get(resource) === 'dpop' ? await dpopKeyPair(dpopKey) : undefined;
    const { tokens, idToken, rawIdToken } = await provider.call(
      'authorization_code_grant',
      async ({ configuration, signingAlgorithms, dpop }) => {
        const tokens = await oidc.authorizationCodeGrant(
          configuration,
          currentUrl,
          {
            pkceCodeVerifier: transaction.codeVerifier,
            expectedState: transaction.state,
            expectedNonce: transaction.nonce,
            idTokenExpected: true,
            // A max_age asked for must be met (OIDC Core §3.1.2.1): auth_time present and that recent.
            ...(transaction.maxAge !== undefined ? { maxAge: transaction.maxAge } : {}),
          },
          resource ? { resource } : undefined,
          proofKey && { DPoP: dpop(proofKey) },
        );
        if (proofKey) checkDpopBound(tokens);
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
      ? await provider.call('userinfo', ({ configuration, dpop }) =>
          oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub, proofKey && { DPoP: dpop(proofKey) }),
        )
      : {};
    return {
      sub: idToken.sub,
      ...(typeof idToken.sid === 'string' ? { sid: idToken.sid } : {}),
      claims: { ...userClaims(idToken), ...userClaims(userinfo) },
      // How and when the user signed in, from the validated ID token only: what step-up is about.
      ...(typeof idToken.acr === 'string' ? { acr: idToken.acr } : {}),
      ...(typeof idToken.auth_time === 'number' ? { authTime: idToken.auth_time } : {}),
      ...(config.logoutIdTokenHint ? { idToken: rawIdToken } : {}),
      ...(tokens.refresh_token !== undefined ? { refreshToken: tokens.refresh_token } : {}),
      accessTokens: { [resource]: storedAccessToken(tokens) },
      ...(dpopKey ? { dpopKey } : {}),
    };
  };
}
