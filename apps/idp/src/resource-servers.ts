/** Resource indicator (RFC 8707) of the demo orders API. */
export const ORDERS_API = 'https://api.cloakroom.test/orders';

/** Resource indicator of the demo reports API: a second audience, to show tokens are not interchangeable. */
export const REPORTS_API = 'https://api.cloakroom.test/reports';

/** How the IdP issues access tokens for one resource server. */
export interface ResourceServerConfig {
  /** Space-separated scopes this resource server understands. */
  scope: string;
  /** `aud` of its access tokens; defaults to the resource indicator itself. */
  audience?: string;
  /** `jwt` for self-contained RFC 9068 tokens (`typ: at+jwt`), `opaque` for introspection-only ones. */
  accessTokenFormat: 'jwt' | 'opaque';
}

/** Resource servers keyed by resource indicator. */
export type ResourceServers = Readonly<Record<string, ResourceServerConfig>>;

/** The demo resource servers: the orders API and the reports API, both with JWT access tokens. */
export const DEFAULT_RESOURCE_SERVERS: ResourceServers = Object.freeze({
  [ORDERS_API]: { scope: 'orders:read orders:write', accessTokenFormat: 'jwt' },
  [REPORTS_API]: { scope: 'reports:read', accessTokenFormat: 'jwt' },
});

/**
 * The resource indicators a request should default to when it names none: those whose scopes it asks
 * for. So `scope=openid orders:read` alone yields an orders token, as with a "default audience" in
 * commercial IdPs, while a plain `scope=openid profile` keeps its userinfo-only access token.
 */
export function resourcesForScope(servers: ResourceServers, scope: string | undefined): string[] {
  const requested = new Set((scope ?? '').split(' ').filter(Boolean));
  return Object.entries(servers)
    .filter(([, server]) => server.scope.split(' ').some((candidate) => requested.has(candidate)))
    .map(([indicator]) => indicator);
}
