import type { Handler } from 'hono';
import * as oidc from 'openid-client';
import type { BffDeps } from '../context.js';
import { BffError } from '../errors.js';
import { verifyIdToken } from '../oidc/id-token.js';
import { loginTransactionCookie, TRANSACTION_TTL } from '../sessions/transactions.js';
import { loginResource } from '../oidc/token-targets.js';
import { storedAccessToken, userClaims } from '../oidc/tokens.js';

/**
 * `GET {basePath}/callback`: the IdP's redirect back. Checks `state` and `iss`, exchanges the code
 * with the PKCE verifier, validates the ID token (JWKS signature, `iss`, `aud`, `exp`, `iat`,
 * `nonce`), fetches userinfo where configured, and only then starts a new session. The login
 * transaction is single-use: it is deleted whatever happens.
 */
export function callback({ config, provider, sessions, logger }: BffDeps): Handler {
  const transactions = loginTransactionCookie(config);
  const resource = loginResource(config);
  return async (c) => {
    const transaction = await transactions.read(c);
    transactions.clear(c);
    if (!transaction) throw new BffError('invalid_callback', { detail: 'No sign-in is in progress in this browser, or it expired.' });
    // Single use on the server too: a copy of the transaction cookie replayed within its lifetime
    // (which the browser's own copy, cleared above, cannot prevent) never reaches the token endpoint.
    if (!(await sessions.claimOnce(`login:${transaction.state}`, TRANSACTION_TTL))) {
      throw new BffError('invalid_callback', { detail: 'This sign-in was completed already.' });
    }

    // Rebuild the callback URL from the configured origin: the Host header is not to be trusted.
    const currentUrl = new URL(config.redirectUri);
    currentUrl.search = new URL(c.req.url).search;

    const keys = await provider.keys();
    const { tokens, idToken } = await provider.call('authorization_code_grant', async ({ configuration, signingAlgorithms }) => {
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
      return { tokens, idToken };
    });
    const userinfo = config.userinfo
      ? await provider.call('userinfo', ({ configuration }) => oidc.fetchUserInfo(configuration, tokens.access_token, idToken.sub))
      : {};

    // Whatever session this browser had is over; the new one gets a fresh id (no fixation).
    const previous = await sessions.load(c);
    if (previous) await sessions.discard(previous);
    await sessions.start(c, {
      sub: idToken.sub,
      ...(typeof idToken.sid === 'string' ? { sid: idToken.sid } : {}),
      claims: { ...userClaims(idToken), ...userClaims(userinfo) },
      ...(config.logoutIdTokenHint ? { idToken: tokens.id_token! } : {}),
      ...(tokens.refresh_token !== undefined ? { refreshToken: tokens.refresh_token } : {}),
      accessTokens: { [resource]: storedAccessToken(tokens) },
    });
    logger.info('signed in', { sub: idToken.sub });
    c.header('Cache-Control', 'no-store');
    return c.redirect(transaction.returnTo, 302);
  };
}
