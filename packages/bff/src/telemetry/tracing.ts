import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context as OtelContext,
  type Link,
  type Span,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import type { ResolvedConfig } from '../config.js';
import type { BffEnv } from '../context.js';
import { BffError } from '../errors.js';
import { API_CONTEXT_KEY, ATTRIBUTES, knownMethod } from './attributes.js';
import type { BffMetrics } from './metrics.js';

/** The BFF's routes by their path under `basePath`, with the operation that names their span. */
const OPERATIONS: ReadonlyArray<[path: string, operation: string]> = [
  ['/login', 'login'],
  ['/callback', 'callback'],
  ['/session', 'session'],
  ['/logout', 'logout'],
  ['/logout/callback', 'logout_callback'],
  ['/backchannel-logout', 'backchannel_logout'],
  ['/admin/revoke-user', 'revoke_user'],
];
const API_PREFIX = '/api/';

/** What a request is, from its path alone (the span starts before Hono routes it). */
interface Route {
  /** The span's name, `cloakroom <operation>`. */
  spanName: string;
  proxied: boolean;
  /** `http.route`: the route's template, for a route the BFF has. */
  template: string | undefined;
  /** The configured API a proxied request names. */
  api: string | undefined;
}

/** Every route a request can be, made once: nothing is built per request. */
function routes(config: ResolvedConfig): (path: string) => Route {
  const { basePath } = config;
  const byPath = new Map(
    OPERATIONS.map(([path, operation]) => [
      basePath + path,
      { spanName: `cloakroom ${operation}`, proxied: false, template: basePath + path, api: undefined },
    ]),
  );
  const proxy = (api: string | undefined): Route => ({
    spanName: 'cloakroom proxy',
    proxied: true,
    template: `${basePath}/api/:api/*`,
    api,
  });
  // Only a configured name: anything else is request input, which must not become a metric series.
  const apis = new Map(Object.keys(config.apis).map((name) => [name, proxy(name)]));
  const unknownApi = proxy(undefined);
  const unknownRoute: Route = { spanName: 'cloakroom unknown_route', proxied: false, template: undefined, api: undefined };
  const apiPrefix = basePath + API_PREFIX;
  return (path) => {
    if (!path.startsWith(apiPrefix)) return byPath.get(path) ?? unknownRoute;
    const end = path.indexOf('/', apiPrefix.length);
    return apis.get(path.slice(apiPrefix.length, end < 0 ? undefined : end)) ?? unknownApi;
  };
}

/**
 * One span per request, named `cloakroom <operation>` (`cloakroom login`, `cloakroom proxy`, …), with
 * the request's work (token refresh, the upstream call) as its children; and the proxy's latency.
 *
 * The span is a SERVER span starting a new trace: a `traceparent` sent by the browser is input
 * anyone can forge (to join or flood another trace, or to force sampling), so it becomes a link, not
 * the parent. Where the host's own instrumentation already opened a span for the request (it chose
 * what to trust), the BFF's span is an INTERNAL child of it. It ends with the response headers: a
 * streamed body is not timed.
 *
 * Without a tracing SDK the only work is a no-op span (and, for the proxy, a no-op record): the
 * request goes on with nothing built for it.
 */
export function requestTelemetry(config: ResolvedConfig, tracer: Tracer, metrics: BffMetrics): MiddlewareHandler<BffEnv> {
  const routeOf = routes(config);
  return async (c, next) => {
    const route = routeOf(c.req.path);
    const parent = context.active();
    const nested = trace.getSpan(parent) !== undefined;
    const span = tracer.startSpan(route.spanName, { kind: nested ? SpanKind.INTERNAL : SpanKind.SERVER }, parent);
    const traced = isSpanContextValid(span.spanContext());
    if (!traced && !route.proxied) return next();
    const started = route.proxied ? performance.now() : 0;
    if (span.isRecording()) {
      span.setAttributes({ [ATTRIBUTES.httpMethod]: knownMethod(c.req.method), [ATTRIBUTES.urlPath]: c.req.path });
      if (route.template !== undefined) span.setAttribute(ATTRIBUTES.httpRoute, route.template);
      if (route.api !== undefined) span.setAttribute(ATTRIBUTES.api, route.api);
      const link = nested ? undefined : browserTrace(c.req.raw.headers);
      if (link) span.addLink(link);
    }
    let status = 500;
    let errorType: string | undefined;
    try {
      // No tracing SDK: no context to carry.
      if (traced) await context.with(spanContext(parent, span, route.api), next);
      else await next();
      status = c.res.status;
      errorType = errorTypeOf(c, status);
    } catch (error) {
      // Hono's error handler answers every error; one that escapes it is a bug (a 500).
      errorType = error instanceof Error ? error.name : '_OTHER';
      throw error;
    } finally {
      if (route.proxied) {
        const seconds = (performance.now() - started) / 1000;
        metrics.proxied(seconds, { api: route.api, method: knownMethod(c.req.method), status, errorType });
      }
      ended(span, status, errorType);
    }
  };
}

function spanContext(parent: OtelContext, span: Span, api: string | undefined): OtelContext {
  return trace.setSpan(api === undefined ? parent : parent.setValue(API_CONTEXT_KEY, api), span);
}

function ended(span: Span, status: number, errorType: string | undefined): void {
  if (span.isRecording()) {
    span.setAttribute(ATTRIBUTES.httpStatus, status);
    if (errorType !== undefined) span.setAttribute(ATTRIBUTES.errorType, errorType);
    // A server span fails on a 5xx only: a 4xx is the client's error (semantic conventions).
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** The catalogued code of a problem answer, or the status of a 5xx that has none. Never an error message. */
function errorTypeOf(c: Context<BffEnv>, status: number): string | undefined {
  if (c.error instanceof BffError) return c.error.code;
  return status >= 500 ? String(status) : undefined;
}

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/** The browser's trace context, through the registered propagator, as a link (without its `tracestate`, free text). */
function browserTrace(headers: Headers): Link | undefined {
  const sent = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headers, headerGetter));
  if (!sent || !isSpanContextValid(sent)) return undefined;
  return { context: { traceId: sent.traceId, spanId: sent.spanId, traceFlags: sent.traceFlags, isRemote: true } };
}
