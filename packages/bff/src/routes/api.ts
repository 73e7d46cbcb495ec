import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ResolvedConfig } from '../config.js';
import type { BffDeps, BffEnv } from '../context.js';
import { requireCsrfHeader } from '../csrf.js';
import { BffError } from '../errors.js';
import { loadSession } from '../load-session.js';
import type { DpopKeyPair } from '../dpop/keys.js';
import { DpopProofs } from '../dpop/proofs.js';
import { forward, responseHeaders, upstreamUrl } from '../proxy.js';
import type { IssuedToken } from '../oidc/tokens.js';
import type { UpstreamResponse } from '../upstream-client.js';
import { loginResource } from '../oidc/token-targets.js';
import { SessionEndedError } from '../oidc/user-tokens.js';
import { stepUpRequirement } from '../step-up.js';
import { parseChallenges } from '../www-authenticate.js';

type Api = ResolvedConfig['apis'][string];

/** The API proxy's environment: the configured API the path names, set before the session loads. */
interface ApiEnv extends BffEnv {
  Variables: BffEnv['Variables'] & { api: { name: string; target: Api } };
}

/** Only an API that may send the user's token needs the session (and its store) at all. */
const needsSession = (target: Api) => target.token !== 'none' && !(target.token === 'client' && target.allowAnonymous);

/**
 * `ALL {basePath}/api/:api/*`: proxies to the named API with the token configured for it. An
 * upstream `401` with `error="invalid_token"` gets one refresh and one retry, when the body can be
 * sent again and the token was not refreshed for this call already; a DPoP-bound token's call, one
 * retry with the nonce of a `use_dpop_nonce` challenge too, when the body can be sent again.
 */
export function api(deps: BffDeps): Hono<ApiEnv> {
  const { config, sessions } = deps;
  // A body is buffered for a retry only if it may be sent at all.
  const replayLimit = Math.min(config.replayableBodySize, config.maxBodySize);
  const proofs = new DpopProofs();
  return new Hono<ApiEnv>().all(
    '/api/:api/*',
    requireCsrfHeader(config.origin),
    async (c, next) => {
      const name = c.req.param('api');
      const target = Object.hasOwn(config.apis, name) ? config.apis[name] : undefined;
      // The name is not echoed: nothing the request supplied goes back in a problem's detail.
      if (!target) throw new BffError('unknown_api', { detail: 'No API of that name is configured.' });
      c.set('api', { name, target });
      await next();
    },
    loadSession<ApiEnv>(sessions, (c) => needsSession(c.var.api.target)),
    async (c) => {
      const { name, target } = c.var.api;
      const { pathname, search } = splitUrl(c.req.url);
      const prefix = `${config.basePath}/api/${name}`;
      if (pathname !== prefix && !pathname.startsWith(`${prefix}/`)) {
        throw new BffError('invalid_request', { detail: 'The API name must not be percent-encoded.' });
      }
      const rest = pathname.slice(prefix.length);
      const method = c.req.method;
      if (target.routes && !target.routes.some((route) => route.methods.includes(method) && route.path.test(rest || '/'))) {
        throw new BffError('route_not_allowed', { detail: 'This API route is not open to the browser.' });
      }
      const url = upstreamUrl(target.baseUrl, rest, search);

      const bearer = bearerFor(c, target, deps);
      const issued = await bearer();
      const bufferedBody = (await replayableBody(c.req.raw, replayLimit)) ?? undefined;
      const forwardWith = (accessToken: string | undefined, dpop?: string) =>
        forward({
          url,
          request: c.req.raw,
          accessToken,
          dpop,
          forwardHeaders: target.forwardHeaders,
          send: deps.sendUpstream,
          timeout: config.timeouts.upstream,
          totalTimeout: config.timeouts.upstreamTotal,
          maxBodySize: config.maxBodySize,
          ...(bufferedBody ? { bufferedBody } : {}),
        });
      // A DPoP-bound token goes with a new proof on every attempt (each is accepted once, RFC 9449
      // §11.1), and the API's answer may hand out its next nonce.
      const withProof = async (accessToken: string, key: DpopKeyPair) => {
        const response = await forwardWith(accessToken, await proofs.proof(key, method, url, target.baseUrl.origin, accessToken));
        proofs.remember(target.baseUrl.origin, response);
        return response;
      };
      const send = (sent: IssuedToken | undefined) =>
        sent?.proofKey ? withProof(sent.token.value, sent.proofKey) : forwardWith(sent?.token.value);
      // `body` is read last: on Node it makes the server adapter build a full Request.
      const replayable = () => bufferedBody !== undefined || c.req.raw.body === null;

      let response = await send(issued);
      // At most one retry per reason, whatever the API and the IdP answer. The API wants a DPoP nonce
      // (RFC 9449 §9): the same token with a proof that carries it, the nonce kept for later calls.
      if (issued?.proofKey && DpopProofs.asksForNonce(response) && replayable()) {
        await response.body?.cancel();
        response = await send(issued);
      }
      // The token is refused: one refresh and one retry, unless it was refreshed for this very call
      // already (then the refusal is the API's answer to pass on).
      if (issued && !issued.refreshed && rejectsToken(response) && replayable()) {
        await response.body?.cancel();
        response = await send(await bearer(issued.token.value));
      }
      // RFC 9470: no refresh or retry helps, only a new sign-in; the SPA gets the requirement (the session stays).
      const stepUp = stepUpRequirement(response.status, response.headers.get('www-authenticate'));
      if (stepUp) {
        await response.body?.cancel();
        throw new BffError('step_up_required', { detail: 'The API asks for a stronger or more recent sign-in.', extensions: stepUp });
      }
      // Through the context, so that cookies set on it (a refreshed stateless session) reach the
      // browser, and as one new Response: the upstream's own has immutable headers.
      return c.body(response.body as ReadableStream, response.status as ContentfulStatusCode, responseHeaders(response, target));
    },
  );
}

/**
 * Who this request calls the API as (`401 login_required` where the API needs a session and there is
 * none): a function giving the token to send, or none; `rejected` is a token value the API has just
 * refused, which forces a fresh one.
 */
function bearerFor(c: Context<ApiEnv>, target: Api, deps: BffDeps): (rejected?: string) => Promise<IssuedToken | undefined> {
  const { config, sessions, userTokens, clientTokens } = deps;
  const clientToken = (rejected?: string) => clientTokens.accessToken(target, rejected);
  // No session was loaded for these: no token at all, or the BFF's own for anyone.
  if (!needsSession(target)) return target.token === 'none' ? async () => undefined : clientToken;
  const session = c.var.session;
  if (!session) {
    if (target.token === 'user-optional') return async () => undefined;
    throw new BffError('login_required', { detail: 'Sign in to call this API.' });
  }
  if (target.token === 'client') return clientToken;
  const resource = target.resource ?? loginResource(config);
  return async (rejected) => {
    try {
      const issued = await userTokens.accessToken(session, resource, rejected);
      // A refreshed session goes where the browser holds it (its cookie, in stateless mode).
      if (issued.refreshed) await sessions.attach(c, issued.session);
      return issued;
    } catch (error) {
      if (!(error instanceof SessionEndedError)) throw error;
      await sessions.end(c, session);
      throw new BffError('session_expired', { detail: error.message, cause: error });
    }
  };
}

/**
 * RFC 6750 §3.1: the API says the token is expired, revoked or otherwise invalid (not that the
 * sign-in behind it falls short: a new token of the same sign-in would not do, see step-up.ts).
 * Read with the same parser as the step-up and DPoP-nonce challenges.
 */
function rejectsToken(response: UpstreamResponse): boolean {
  if (response.status !== 401) return false;
  const header = response.headers.get('www-authenticate') ?? '';
  const invalidToken = parseChallenges(header).some(({ params }) => params.get('error') === 'invalid_token');
  return invalidToken && !stepUpRequirement(response.status, header);
}

/** The body read into memory when it is small enough to send twice; `null` for no or a large body. */
async function replayableBody(request: Request, limit: number): Promise<ArrayBuffer | null> {
  // The method first: reading `body` of a GET would make the server adapter build a full Request.
  if (request.method === 'GET' || request.method === 'HEAD' || request.body === null) return null;
  const length = Number(request.headers.get('content-length') ?? Number.NaN);
  if (!(length <= limit)) return null;
  return request.arrayBuffer();
}

/**
 * The path and query of a request URL (absolute and normalised by the server adapter) as `URL` has
 * them, without parsing it again.
 */
function splitUrl(url: string): { pathname: string; search: string } {
  const hash = url.indexOf('#');
  const end = hash < 0 ? url.length : hash;
  const path = url.indexOf('/', url.indexOf('//') + 2);
  const query = url.indexOf('?', path);
  if (query < 0 || query >= end) return { pathname: url.slice(path, end), search: '' };
  return { pathname: url.slice(path, query), search: query + 1 < end ? url.slice(query, end) : '' };
}
