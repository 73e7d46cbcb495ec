import type { Handler } from 'hono';
import * as oidc from 'openid-client';
import type { BffDeps } from '../context.js';
import { BffError } from '../errors.js';
import { loginTransactionCookie } from '../transactions.js';
import { asIdpError, isIdpUnreachable } from '../oidc.js';
import { loginResource } from '../token-targets.js';
import { storedAccessToken, userClaims } from '../tokens.js';

/**
 * `GET {basePath}/callback`: the IdP's redirect back. Checks `state` and `iss`, exchanges the code
 * with the PKCE verifier, validates the ID token (JWKS signature, `iss`, `aud`, `exp`, `nonce`), and
 * only then starts a new session. The login transaction is single-use: it is deleted whatever happens.
 */
export function callback({ config, provider, sessions, logger }: BffDeps): Handler {
  const transactions = loginTransactionCookie(config);
  const resource = loginResource(config);
  return async (c) => {
    const transaction = await transactions.read(c);
    transactions.clear(c);
    if (!transaction) throw new BffError(400, 'invalid_callback', 'No sign-in is in progress in this browser, or it expired.');

    const configuration = await provider.configuration();
    // Rebuild the callback URL from the configured origin: the Host header is not to be trusted.
    const currentUrl = new URL(config.redirectUri);
    currentUrl.search = new URL(c.req.url).search;

    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(
        configuration,
        currentUrl,
        { pkceCodeVerifier: transaction.codeVerifier, expectedState: transaction.state, expectedNonce: transaction.nonce, idTokenExpected: true },
        resource ? { resource } : undefined,
      );
    } catch (error) {
      throw callbackError(error, logger);
    }
    const idToken = tokens.claims();
    if (!idToken || tokens.id_token === undefined) throw new BffError(400, 'invalid_callback', 'The identity provider sent no ID token.');

    // Whatever session this browser had is over; the new one gets a fresh id (no fixation).
    const previous = await sessions.load(c);
    if (previous) await sessions.discard(previous);
    await sessions.start(c, {
      sub: idToken.sub,
      ...(typeof idToken.sid === 'string' ? { sid: idToken.sid } : {}),
      claims: userClaims(idToken),
      idToken: tokens.id_token,
      ...(tokens.refresh_token !== undefined ? { refreshToken: tokens.refresh_token } : {}),
      accessTokens: { [resource]: storedAccessToken(tokens) },
    });
    logger.info('signed in', { sub: idToken.sub });
    c.header('Cache-Control', 'no-store');
    return c.redirect(transaction.returnTo, 302);
  };
}

function callbackError(error: unknown, logger: BffDeps['logger']): unknown {
  if (isIdpUnreachable(error)) return asIdpError(error);
  if (error instanceof oidc.AuthorizationResponseError) {
    // The IdP said no (e.g. the user denied consent): pass its error code on, not its free text.
    return new BffError(400, 'login_failed', `The identity provider answered ${error.error}.`);
  }
  if (error instanceof oidc.ResponseBodyError || error instanceof oidc.ClientError) {
    logger.warn('callback refused', { error });
    return new BffError(400, 'invalid_callback', 'The sign-in response failed validation.');
  }
  return error;
}
