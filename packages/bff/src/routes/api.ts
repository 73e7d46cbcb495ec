import type { Context, Handler } from 'hono';
import type { ResolvedConfig } from '../config.js';
import type { BffDeps } from '../context.js';
import { BffError } from '../errors.js';
import { forward, upstreamUrl } from '../proxy.js';
import type { StoredAccessToken } from '../session-store.js';
import type { IssuedToken } from '../tokens.js';
import { loginResource } from '../token-targets.js';

type Api = ResolvedConfig['apis'][string];

/**
 * `ALL {basePath}/api/:api/*`: proxies to the named API with the token configured for it. An
 * upstream `401` with `error="invalid_token"` gets one refresh and one retry, when the body can be
 * sent again and the token was not refreshed for this call already.
 */
export function api(deps: BffDeps): Handler {
  const { config } = deps;
  // A body is buffered for a retry only if it may be sent at all.
  const replayLimit = Math.min(config.replayableBodySize, config.maxBodySize);
  return async (c) => {
    const name = c.req.param('api') ?? '';
    const target = Object.hasOwn(config.apis, name) ? config.apis[name] : undefined;
    // The name is not echoed: nothing the request supplied goes back in a problem's detail.
    if (!target) throw new BffError(404, 'unknown_api', 'No API of that name is configured.');

    const requestUrl = new URL(c.req.url);
    const prefix = `${config.basePath}/api/${name}`;
    if (requestUrl.pathname !== prefix && !requestUrl.pathname.startsWith(`${prefix}/`)) {
      throw new BffError(400, 'invalid_request', 'The API name must not be percent-encoded.');
    }
    const rest = requestUrl.pathname.slice(prefix.length);
    const method = c.req.method;
    if (target.routes && !target.routes.some((route) => route.methods.includes(method) && route.path.test(rest || '/'))) {
      throw new BffError(403, 'route_not_allowed', 'This API route is not open to the browser.');
    }
    const url = upstreamUrl(target.baseUrl, rest, requestUrl.search);

    const bearer = await bearerFor(c, target, deps);
    const issued = await bearer();
    const bufferedBody = (await replayableBody(c.req.raw, replayLimit)) ?? undefined;
    const send = (sent: StoredAccessToken | undefined) =>
      forward({
        url,
        request: c.req.raw,
        accessToken: sent?.value,
        forwardHeaders: target.forwardHeaders,
        responsePolicy: target,
        fetch: deps.fetch,
        timeout: config.timeouts.upstream,
        totalTimeout: config.timeouts.upstreamTotal,
        maxBodySize: config.maxBodySize,
        ...(bufferedBody ? { bufferedBody } : {}),
      });

    let response = await send(issued?.token);
    // At most one refresh and one retry per call, whatever the API and the IdP answer: a token that
    // was refreshed for this very call and is still refused is the API's answer to pass on.
    const canReplay = bufferedBody !== undefined || c.req.raw.body === null;
    if (issued && !issued.refreshed && canReplay && rejectsToken(response)) {
      await response.body?.cancel();
      response = await send((await bearer(issued.token.value))?.token);
    }
    // Through the context, so that cookies set on it (a refreshed stateless session) reach the browser.
    return c.newResponse(response.body, response);
  };
}

/**
 * Who this request calls the API as: checks the session once (`401 login_required` where the API
 * needs one) and answers a function giving the token to send, or none; `rejected` is a token value
 * the API has just refused, which forces a fresh one.
 */
async function bearerFor(c: Context, target: Api, deps: BffDeps): Promise<(rejected?: string) => Promise<IssuedToken | undefined>> {
  const { config, sessions, userTokens, clientTokens } = deps;
  if (target.token === 'none') return async () => undefined;
  const clientToken = (rejected?: string) => clientTokens.accessToken(target, rejected);
  if (target.token === 'client' && target.allowAnonymous) return clientToken;
  const session = await sessions.load(c);
  if (!session) {
    if (target.token === 'user-optional') return async () => undefined;
    throw new BffError(401, 'login_required', 'Sign in to call this API.');
  }
  if (target.token === 'client') return clientToken;
  const resource = target.resource ?? loginResource(config);
  return async (rejected) => {
    try {
      return await userTokens.accessToken(c, session, resource, rejected);
    } catch (error) {
      if (error instanceof BffError && error.code === 'session_expired') await sessions.end(c, session);
      throw error;
    }
  };
}

/** RFC 6750 §3.1: the API says the token is expired, revoked or otherwise invalid. */
function rejectsToken(response: Response): boolean {
  return response.status === 401 && /\berror\s*=\s*"?invalid_token"?/i.test(response.headers.get('www-authenticate') ?? '');
}

/** The body read into memory when it is small enough to send twice; `null` for no or a large body. */
async function replayableBody(request: Request, limit: number): Promise<ArrayBuffer | null> {
  if (request.body === null || request.method === 'GET' || request.method === 'HEAD') return null;
  const length = Number(request.headers.get('content-length') ?? Number.NaN);
  if (!(length <= limit)) return null;
  return request.arrayBuffer();
}
