import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ConfigError, resolveConfig, type BffConfig, type ResolvedConfig } from './config.js';
import type { BffDeps, BffEnv } from './context.js';
import { BffError, problem } from './errors.js';
import { consoleLogger, redactingLogger } from './logger.js';
import { createClientTokens } from './oidc/client-tokens.js';
import { createProvider } from './oidc/oidc.js';
import { api } from './routes/api.js';
import { backchannelLogout } from './routes/backchannel-logout.js';
import { callback } from './routes/callback.js';
import { login } from './routes/login.js';
import { logout } from './routes/logout.js';
import { session } from './routes/session.js';
import { cookieSessions } from './sessions/cookie-sessions.js';
import { revokeRefreshTokens } from './oidc/revocation.js';
import { admin, type RevokeUser } from './routes/admin.js';
import { storedSessions } from './sessions/sessions.js';
import { MemorySessionStore } from './sessions/stores/memory.js';
import { bffTelemetry } from './telemetry/bff-telemetry.js';
import { upstreamSender } from './upstream-client.js';
import { createUserTokens } from './oidc/user-tokens.js';

/** The BFF: a Hono app, plus what a server may do to sessions outside a request. */
export type Bff = Hono<BffEnv> & {
  sessions: {
    /**
     * Signs a user out everywhere: ends all their sessions (revoking each refresh token at the IdP)
     * and answers how many ended. With stateless cookie sessions this instance refuses their cookies
     * from now on but cannot count them, so it answers 0.
     */
    revokeUser: RevokeUser;
  };
  /**
   * Discovers the IdP now instead of at the first sign-in, so that a deployment fails fast: throws a
   * {@link ConfigError} naming the mismatch (the issuer's spelling, a missing endpoint, a client
   * authentication method or PAR setting the IdP does not support), or `503 idp_unavailable`.
   */
  ready(): Promise<void>;
};

/** Which BFF (by base path) uses a cookie name on an origin, in this process. */
const cookieOwners = new Map<string, string>();

/**
 * Two BFFs on one origin with one cookie name would read each other's cookies (they are all
 * `__Host-`, `Path=/`): refused. The same BFF created again (a test, a dev-server reload) is not.
 */
function claimCookieName(config: ResolvedConfig): void {
  const key = `${config.origin} ${config.cookieName}`;
  const owner = cookieOwners.get(key);
  if (owner !== undefined && owner !== config.basePath) {
    throw new ConfigError(
      'cookieName',
      `"${config.cookieName}" is already the cookie name of the BFF at ${owner} on ${config.origin}; give each BFF on one origin its own cookieName`,
    );
  }
  cookieOwners.set(key, config.basePath);
}

/**
 * Creates the BFF: a Hono app whose routes live under `config.basePath` (default `/bff`). Mount it
 * with `app.route('/', createBff(config))`, or serve it alone.
 *
 * @throws {ConfigError} naming the first invalid setting.
 */
export function createBff(input: BffConfig): Bff {
  const config = resolveConfig(input);
  claimCookieName(config);
  const fetchImpl = input.fetch ?? globalThis.fetch;
  const logger = redactingLogger(input.logger ?? consoleLogger);
  const telemetry = bffTelemetry(config);
  const provider = telemetry.provider(createProvider(config, fetchImpl, logger, telemetry.idpFailed));
  const store = input.session?.store ?? new MemorySessionStore();
  const sessions = telemetry.sessions(store === 'cookie' ? cookieSessions(config) : storedSessions(config, store));
  const deps: BffDeps = {
    config,
    provider,
    sessions,
    userTokens: createUserTokens(config, provider, sessions, logger),
    clientTokens: createClientTokens(config, provider),
    logger,
    fetch: fetchImpl,
    sendUpstream: telemetry.upstream(upstreamSender(input.fetch)),
  };

  const app = new Hono<BffEnv>().basePath(config.basePath);
  app.use(telemetry.requests);
  app.use(requestId());
  app.use(async (c, next) => {
    // The access log line costs nothing (clock, URL, redaction) where the logger drops it.
    if (!logger.isLevelEnabled('info')) return next();
    const started = performance.now();
    await next();
    // The path only: the query of a callback carries the authorization code.
    logger.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });
  app.use(secureHeaders({ crossOriginResourcePolicy: 'same-origin', referrerPolicy: 'no-referrer' }));

  app.onError((error, c) => {
    // The browser went away (a tab closed, an upload cancelled): nobody to answer, nothing to report
    // but the access log's line, with nginx's 499 "client closed request".
    if (c.req.raw.signal.aborted) return c.body(null, 499 as ContentfulStatusCode);
    if (error instanceof BffError) {
      // The BFF's own fault (a session that outgrew its cookies): the operator needs to know.
      if (error.code === 'internal_error') logger.error('internal error', { requestId: c.get('requestId'), error });
      return problem(c, error);
    }
    if (error instanceof HTTPException) {
      // Hono's own middleware (bearer-auth on the admin route, body limits) answers in plain text.
      const code = error.status === 413 ? 'payload_too_large' : error.status === 401 ? 'unauthorized' : 'invalid_request';
      const challenge = error.getResponse().headers.get('www-authenticate');
      return problem(c, new BffError(code, challenge ? { headers: { 'WWW-Authenticate': challenge } } : {}));
    }
    logger.error('unhandled error', { requestId: c.get('requestId'), error });
    return problem(c, new BffError('internal_error'));
  });
  app.notFound((c) => problem(c, new BffError('not_found')));

  const revokeUser: RevokeUser = async (sub) => {
    const ended = await sessions.endAllOf(sub);
    if (ended.length > 0) await revokeRefreshTokens(provider, await provider.discover().catch(() => undefined), ended);
    logger.info('signed out everywhere', { sub, ended: ended.length });
    return ended.length;
  };
  app.route('/', login(deps));
  app.route('/', callback(deps));
  app.route('/', session(deps));
  app.route('/', logout(deps));
  app.route('/', backchannelLogout(deps));
  if (config.admin) app.route('/', admin(config.admin.token, revokeUser));
  app.route('/', api(deps));
  // Mounted in a host app, an unknown BFF path must not fall through to the host (an SPA's index.html).
  app.all('*', (c) => problem(c, new BffError('not_found')));
  return Object.assign(app, { sessions: { revokeUser }, ready: () => provider.ready() });
}
