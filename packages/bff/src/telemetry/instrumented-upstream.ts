import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { SendUpstream } from '../upstream-client.js';
import { API_CONTEXT_KEY, ATTRIBUTES, knownMethod } from './attributes.js';

/**
 * `send`, with each upstream call a CLIENT span (named by its method, as the semantic conventions
 * name HTTP client spans) under the request's span, and that span's trace context in the call's
 * `traceparent` (through the registered propagator), in place of any the browser sent. A call with no
 * span around it (no tracing SDK) goes out as it came. The span ends with the response headers.
 */
export function instrumentedUpstream(send: SendUpstream, tracer: Tracer): SendUpstream {
  const traced: SendUpstream = async (url, request) => {
    const parent = context.active();
    const span = tracer.startSpan(request.method, { kind: SpanKind.CLIENT }, parent);
    if (span.isRecording()) span.setAttributes(requestAttributes(url, request.method, parent.getValue(API_CONTEXT_KEY)));
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(parent, span), carrier);
    const headers = Object.keys(carrier).length === 0 ? request.headers : { ...withoutTraceContext(request.headers), ...carrier };
    try {
      const response = await send(url, { ...request, headers });
      if (span.isRecording()) {
        span.setAttribute(ATTRIBUTES.httpStatus, response.status);
        // A client span fails on any 4xx or 5xx (semantic conventions).
        if (response.status >= 400) failed(span, String(response.status));
      }
      return response;
    } catch (error) {
      failed(span, failureType(error));
      throw error;
    } finally {
      span.end();
    }
  };
  // Not even an async frame for a call with no span around it.
  return (url, request) => (trace.getSpan(context.active()) === undefined ? send(url, request) : traced(url, request));
}

function requestAttributes(url: string, method: string, api: unknown): Attributes {
  const { protocol, hostname, port, origin, pathname } = new URL(url);
  const attributes: Attributes = {
    [ATTRIBUTES.httpMethod]: knownMethod(method),
    // Without the query, which may carry what the browser put there.
    [ATTRIBUTES.urlFull]: origin + pathname,
    [ATTRIBUTES.serverAddress]: hostname,
    [ATTRIBUTES.serverPort]: port ? Number(port) : protocol === 'https:' ? 443 : 80,
  };
  if (typeof api === 'string') attributes[ATTRIBUTES.api] = api;
  return attributes;
}

/** The request's headers without the browser's trace context (forwarded as it is when nothing is traced). */
function withoutTraceContext(headers: Record<string, string>): Record<string, string> {
  const { traceparent: _parent, tracestate: _state, ...rest } = headers;
  return rest;
}

function failed(span: Span, errorType: string): void {
  span.setAttribute(ATTRIBUTES.errorType, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** What kind of failure, never its message: a network error's code (`ECONNREFUSED`), else the error's name (`TimeoutError`). */
function failureType(error: unknown): string {
  if (!(error instanceof Error)) return '_OTHER';
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : error.name;
}
