import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { BffError } from '../errors.js';
import type { IdpOperation } from '../oidc/idp-errors.js';
import type { DiscoveredProvider, Provider } from '../oidc/oidc.js';
import { ATTRIBUTES } from './attributes.js';
import type { BffMetrics, RefreshOutcome } from './metrics.js';

/** Span names of the grants that get the proxy its tokens; any other exchange is `cloakroom <operation>`. */
const SPAN_NAMES: Partial<Record<IdpOperation, string>> = {
  refresh_token_grant: 'cloakroom refresh',
  client_credentials_grant: 'cloakroom client_credentials',
};

/**
 * `provider`, with each exchange with the IdP (a refresh, a client-credentials grant, the code
 * exchange, …) an INTERNAL span under the request's, and each refresh-token grant counted by
 * outcome. Wrapped here, where a grant is made, rather than around the token caches: a request whose
 * token is still good makes no span, and requests that join one refresh count one grant.
 */
export function instrumentedProvider(provider: Provider, tracer: Tracer, metrics: BffMetrics, issuer: string): Provider {
  const idpHost = new URL(issuer).hostname;
  return {
    ...provider,
    async call<T>(operation: IdpOperation, exchange: (discovered: DiscoveredProvider) => Promise<T>): Promise<T> {
      const span = tracer.startSpan(SPAN_NAMES[operation] ?? `cloakroom ${operation}`, { kind: SpanKind.INTERNAL });
      if (span.isRecording()) span.setAttributes({ [ATTRIBUTES.idpOperation]: operation, [ATTRIBUTES.serverAddress]: idpHost });
      const refresh = operation === 'refresh_token_grant';
      try {
        const result = await context.with(trace.setSpan(context.active(), span), () => provider.call(operation, exchange));
        if (refresh) outcome(span, metrics, 'success');
        return result;
      } catch (error) {
        const code = error instanceof BffError ? error.code : undefined;
        if (refresh) outcome(span, metrics, code === 'session_expired' ? 'rejected' : code === 'idp_unavailable' ? code : 'error');
        span.setAttribute(ATTRIBUTES.errorType, code ?? (error instanceof Error ? error.name : '_OTHER'));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  };
}

function outcome(span: Span, metrics: BffMetrics, result: RefreshOutcome): void {
  metrics.refreshGrant(result);
  span.setAttribute(ATTRIBUTES.refreshOutcome, result);
}
