import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { BffDeps, BffEnv } from '../context.js';
import { BffError } from '../errors.js';
import { LogoutTokenError, verifyLogoutToken, type LogoutTarget } from '../oidc/logout-token.js';
import { ReplayCache } from '../sessions/replay-cache.js';

/** How far a logout token's `iat` may lie in the past; its `jti` is remembered that long. */
const LOGOUT_TOKEN_MAX_AGE = 300;
/** A form with one JWT: anything bigger is not a logout request. */
const MAX_BODY = 16 * 1024;

/**
 * `POST {basePath}/backchannel-logout`: OpenID Connect Back-Channel Logout 1.0. The IdP posts a
 * signed logout token; every session of that IdP session (`sid`) or user (`sub`) is deleted.
 * Server to server, so no anti-CSRF header: the signed token is the proof.
 */
export function backchannelLogout({ config, provider, sessions, logger }: BffDeps): Hono<BffEnv> {
  const replays = new ReplayCache(LOGOUT_TOKEN_MAX_AGE * 2);
  const limit = bodyLimit({
    maxSize: MAX_BODY,
    onError: () => {
      throw new BffError('payload_too_large', { detail: `A logout request is at most ${MAX_BODY} bytes.` });
    },
  });
  return new Hono<BffEnv>().post('/backchannel-logout', limit, async (c) => {
    c.header('Cache-Control', 'no-store');
    if (!c.req.header('content-type')?.startsWith('application/x-www-form-urlencoded')) {
      throw new BffError('invalid_request', { detail: 'Expected an application/x-www-form-urlencoded body.' });
    }
    const form = await c.req.parseBody();
    const token = form.logout_token;
    if (typeof token !== 'string' || token === '') throw new BffError('invalid_request', { detail: 'logout_token is missing.' });

    const keys = await provider.keys();
    let target: LogoutTarget;
    try {
      // Through the IdP catalogue: keys that cannot be fetched are a 503 (the IdP may send it again).
      target = await provider.call('jwks', ({ configuration, signingAlgorithms }) =>
        verifyLogoutToken(token, {
          issuer: configuration.serverMetadata().issuer,
          clientId: config.clientId,
          keys,
          algorithms: signingAlgorithms,
          maxAge: LOGOUT_TOKEN_MAX_AGE,
          replays,
        }),
      );
    } catch (error) {
      if (!(error instanceof LogoutTokenError)) throw error;
      logger.warn('back-channel logout refused', { reason: error.message });
      throw new BffError('invalid_logout_token', { detail: error.message });
    }

    // With a sid, only that IdP session's sessions go (and only if they belong to the sub, when given).
    const ended = target.sid ? await sessions.endIdpSession(target.sid, target.sub) : await sessions.endAllOf(target.sub!);
    logger.info('back-channel logout', { sub: target.sub, ended: ended.length });
    return c.body(null, 200);
  });
}
