import { createContextKey } from '@opentelemetry/api';

/**
 * Every attribute the BFF puts on a span or a metric: OpenTelemetry's semantic conventions where one
 * fits, `cloakroom.*` for the BFF's own. The values are names, numbers and catalogued codes, never a
 * token, a cookie, a session id, a claim (`sub` included) or a query string.
 */
export const ATTRIBUTES = {
  httpMethod: 'http.request.method',
  httpStatus: 'http.response.status_code',
  httpRoute: 'http.route',
  /** The path without its query (a callback's query carries the authorization code). */
  urlPath: 'url.path',
  /** An upstream request's URL without its query. */
  urlFull: 'url.full',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  /** A {@link BffErrorCode}, or what failed when there is none (an HTTP status, a network error's code). */
  errorType: 'error.type',
  /** The configured name of the API a proxied request goes to. */
  api: 'cloakroom.api',
  /** The exchange with the IdP (`refresh_token_grant`, `client_credentials_grant`, …). */
  idpOperation: 'cloakroom.idp.operation',
  /** How a refresh-token grant ended: `success`, `rejected`, `idp_unavailable` or `error`. */
  refreshOutcome: 'cloakroom.refresh.outcome',
  /** How many sessions a back-channel logout or a revocation ended. */
  sessionsEnded: 'cloakroom.sessions.ended',
} as const;

/** The configured API of a proxied request, carried from the request's span to its upstream call. */
export const API_CONTEXT_KEY = createContextKey('cloakroom.api');

const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'QUERY', 'TRACE']);

/**
 * The method as the semantic conventions record it: any method not in HTTP's registry is `_OTHER`, so
 * that a request cannot make up attribute values (and metric series) at will.
 */
export function knownMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : '_OTHER';
}
