import { metrics, type Attributes, type Counter, type Histogram, type MeterProvider, type UpDownCounter } from '@opentelemetry/api';
import type { BffErrorCode } from '../errors.js';
import type { IdpOperation } from '../oidc/idp-errors.js';
import { ATTRIBUTES } from './attributes.js';
import { INSTRUMENTATION_SCOPE } from './scope.js';

/** How a refresh-token grant ended. */
export type RefreshOutcome =
  /** New tokens. */
  | 'success'
  /** The IdP refused the refresh token (`invalid_grant`): the session ended. */
  | 'rejected'
  /** The IdP could not be reached, timed out or answered 5xx: the session was kept. */
  | 'idp_unavailable'
  /** Anything else (the IdP refused the client, an answer failed validation). */
  | 'error';

/** What the proxy's latency is recorded by. */
export interface ProxiedCall {
  /** The configured API; `undefined` for a name that is not configured. */
  api: string | undefined;
  method: string;
  status: number;
  errorType: string | undefined;
}

/** The BFF's metrics: no-ops until an OpenTelemetry SDK registers a meter provider. */
export interface BffMetrics {
  refreshGrant(outcome: RefreshOutcome): void;
  /** A proxied call answered (its headers: a streamed body is not timed) after `seconds`. */
  proxied(seconds: number, call: ProxiedCall): void;
  /** Sessions started (positive) or ended (negative). */
  sessionsChanged(delta: number): void;
  idpError(operation: IdpOperation, code: BffErrorCode): void;
}

interface Instruments {
  refreshGrants: Counter;
  proxyDuration: Histogram;
  activeSessions: UpDownCounter;
  idpErrors: Counter;
}

/** The semantic conventions' buckets for HTTP durations, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

function createInstruments(provider: MeterProvider): Instruments {
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE.name, INSTRUMENTATION_SCOPE.version);
  return {
    refreshGrants: meter.createCounter('cloakroom.refresh.grants', {
      description: 'Refresh-token grants the BFF made, by outcome.',
      unit: '{grant}',
    }),
    proxyDuration: meter.createHistogram('cloakroom.proxy.duration', {
      description: 'Time from a proxied request to the response headers the browser gets, token refresh included.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    activeSessions: meter.createUpDownCounter('cloakroom.sessions.active', {
      description: 'Sessions started less sessions ended (signed out, back-channel logout, revoked, refused refresh, replaced).',
      unit: '{session}',
    }),
    idpErrors: meter.createCounter('cloakroom.idp.errors', {
      description: 'Failed exchanges with the IdP, by operation and the error code they became.',
      unit: '{error}',
    }),
  };
}

export function bffMetrics(): BffMetrics {
  // The metrics API has no proxy that follows a provider registered later (the tracing API does):
  // the instruments are made again whenever the global provider is another one.
  let provider: MeterProvider | undefined;
  let instruments: Instruments | undefined;
  const current = (): Instruments => {
    const registered = metrics.getMeterProvider();
    if (registered !== provider || !instruments) {
      provider = registered;
      instruments = createInstruments(registered);
    }
    return instruments;
  };
  return {
    refreshGrant: (outcome) => current().refreshGrants.add(1, { [ATTRIBUTES.refreshOutcome]: outcome }),
    proxied(seconds, { api, method, status, errorType }) {
      const attributes: Attributes = { [ATTRIBUTES.httpMethod]: method, [ATTRIBUTES.httpStatus]: status };
      if (api !== undefined) attributes[ATTRIBUTES.api] = api;
      if (errorType !== undefined) attributes[ATTRIBUTES.errorType] = errorType;
      current().proxyDuration.record(seconds, attributes);
    },
    sessionsChanged: (delta) => current().activeSessions.add(delta),
    idpError: (operation, code) => current().idpErrors.add(1, { [ATTRIBUTES.idpOperation]: operation, [ATTRIBUTES.errorType]: code }),
  };
}
