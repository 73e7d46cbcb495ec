import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { resolveConfig, type BffConfig } from './config.js';
import type { BffDeps } from './context.js';
import { requireCsrfHeader } from './csrf.js';
import { BffError, problem } from './errors.js';
import { consoleLogger, redactingLogger } from './logger.js';
import { createClientTokens } from './client-tokens.js';
import { createProvider } from './oidc.js';
import { api } from './routes/api.js';
import { backchannelLogout } from './routes/backchannel-logout.js';
import { callback } from './routes/callback.js';
import { login } from './routes/login.js';
import { logout, logoutCallback } from './routes/logout.js';
import { session } from './routes/session.js';
import { createSessions } from './sessions.js';
import { MemorySessionStore } from './stores/memory.js';
import { createUserTokens } from './user-tokens.js';

/**
 * Creates the BFF: a Hono app whose routes live under `config.basePath` (default `/bff`). Mount it
 * with `app.route('/', createBff(config))`, or serve it alone.
 *
 * @throws {ConfigError} naming the first invalid setting.
 */
export function createBff(input: BffConfig): Hono {
  const config = resolveConfig(input);
  const fetchImpl = input.fetch ?? globalThis.fetch;
  const provider = createProvider(config, fetchImpl);
  const store = input.sessionStore ?? new MemorySessionStore();
  const logger = redactingLogger(input.logger ?? consoleLogger);
  const deps: BffDeps = {
    config,
    provider,
    sessions: createSessions(config, store),
    userTokens: createUserTokens(config, provider, store, logger),
    clientTokens: createClientTokens(config, provider),
    logger,
    fetch: fetchImpl,
  };

  const app = new Hono().basePath(config.basePath);
  app.use(requestId());
  app.use(async (c, next) => {
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
    if (error instanceof BffError) return problem(c, error);
    if (error instanceof HTTPException) {
      const code = error.status === 413 ? 'payload_too_large' : 'invalid_request';
      return problem(c, new BffError(error.status as ContentfulStatusCode, code, error.message));
    }
    logger.error('unhandled error', { requestId: c.get('requestId'), error });
    return problem(c, new BffError(500, 'internal_error'));
  });
  app.notFound((c) => problem(c, new BffError(404, 'not_found')));

  const csrf = requireCsrfHeader(config.origin);

  app.get('/login', login(deps));
  app.get('/callback', callback(deps));
  app.get('/session', csrf, session(deps));
  app.post('/logout', csrf, logout(deps));
  app.get('/logout/callback', logoutCallback(deps));
  app.post('/backchannel-logout', backchannelLogout(deps));
  const proxyApi = api(deps);
  app.all('/api/:api', csrf, proxyApi);
  app.all('/api/:api/*', csrf, proxyApi);
  return app;
}
