import { trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';
import type { ResolvedConfig } from '../config.js';
import type { BffEnv } from '../context.js';
import type { IdpFailureListener, Provider } from '../oidc/oidc.js';
import type { Sessions } from '../sessions/sessions.js';
import type { SendUpstream } from '../upstream-client.js';
import { instrumentedProvider } from './instrumented-provider.js';
import { instrumentedSessions } from './instrumented-sessions.js';
import { instrumentedUpstream } from './instrumented-upstream.js';
import { bffMetrics } from './metrics.js';
import { INSTRUMENTATION_SCOPE } from './scope.js';
import { requestTelemetry } from './tracing.js';

/**
 * The BFF's OpenTelemetry instrumentation, by composition: each part wraps one dependency of the
 * routes, which stay unaware of it. Everything goes through `@opentelemetry/api`, which is a no-op
 * until the application registers an SDK (before or after `createBff`).
 */
export interface BffTelemetry {
  /** The per-request span (and the proxy's latency): the app's first middleware. */
  requests: MiddlewareHandler<BffEnv>;
  /** Spans of the exchanges with the IdP; refresh grants by outcome. */
  provider(provider: Provider): Provider;
  /** Sessions started and ended. */
  sessions(sessions: Sessions): Sessions;
  /** The upstream call as a CLIENT span, its trace context in `traceparent`. */
  upstream(send: SendUpstream): SendUpstream;
  /** IdP failures by operation and error code. */
  idpFailed: IdpFailureListener;
}

export function bffTelemetry(config: ResolvedConfig): BffTelemetry {
  // A proxy: it follows a tracer provider registered later.
  const tracer = trace.getTracer(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version);
  const metrics = bffMetrics();
  return {
    requests: requestTelemetry(config, tracer, metrics),
    provider: (provider) => instrumentedProvider(provider, tracer, metrics, config.issuer),
    sessions: (sessions) => instrumentedSessions(sessions, metrics),
    upstream: (send) => instrumentedUpstream(send, tracer),
    idpFailed: (operation, error) => metrics.idpError(operation, error.code),
  };
}
