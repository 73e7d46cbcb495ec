import type { ClientMetadata } from 'oidc-provider';

/** Client id of the demo BFF. */
export const DEMO_CLIENT_ID = 'cloakroom-bff';

/** Client secret of the demo BFF. A development value: the name says it all. */
export const DEMO_CLIENT_SECRET = 'cloakroom-bff-dev-secret-change-me-0123456789';

/** Origin the demo BFF (and the SPA it serves) runs on. */
export const DEMO_BFF_ORIGIN = 'http://localhost:3000';

/** Client id of the token-in-the-browser comparison SPA (apps/token-spa). */
export const TOKEN_SPA_CLIENT_ID = 'token-spa';

/** Origin the comparison SPA's dev server runs on. */
export const TOKEN_SPA_ORIGIN = 'http://localhost:3002';

/** OIDC scopes the IdP supports; resource scopes come from the resource servers. */
export const OIDC_SCOPES: readonly string[] = Object.freeze(['openid', 'profile', 'email', 'offline_access']);

/** Client authentication methods that use no client secret. */
const SECRETLESS_AUTH_METHODS: ReadonlySet<string> = new Set(['private_key_jwt', 'none']);

/** Options of {@link bffClient}. */
export interface BffClientOptions {
  /** Origin of the BFF, e.g. `http://localhost:3000` (a trailing path is ignored). */
  origin: string;
  clientId?: string;
  /**
   * Defaults to {@link DEMO_CLIENT_SECRET}, except with `private_key_jwt` or `none`, where the client
   * has no secret unless one is given here.
   */
  clientSecret?: string;
  /** Where the BFF mounts its routes; defaults to `/bff`. */
  basePath?: string;
  /**
   * How the client authenticates at the token (and PAR, revocation, introspection) endpoints:
   * `client_secret_basic` (the default), `client_secret_post`, `client_secret_jwt`, `private_key_jwt`
   * (give {@link jwks}) or `none` (a public client: no client-credentials grant). It must be one of
   * the IdP's `clientAuthMethods`, which `startIdp` checks.
   */
  tokenEndpointAuthMethod?: string;
  /**
   * The client's public keys, for `private_key_jwt`: the IdP verifies its client assertions (RFC 7523)
   * with them. Public parts only; a key with a `kid` lets the assertion name it.
   */
  jwks?: { keys: readonly (JsonWebKey | Record<string, unknown>)[] };
}

/**
 * Client metadata for a BFF at `origin`: a confidential web client (`client_secret_basic` unless
 * told otherwise) with the code, refresh and client-credentials grants, RP-initiated and back-channel
 * logout, and `auth_time` in every ID token.
 *
 * `scope` lists OIDC scopes only: oidc-provider rejects client metadata naming scopes it does not
 * know statically, and resource scopes (`orders:read`, …) are governed by the resource servers.
 * (`startIdp` narrows `scope` and `grant_types` to what its profile supports.)
 */
export function bffClient(options: BffClientOptions): ClientMetadata {
  const origin = new URL(options.origin).origin;
  const base = (options.basePath ?? '/bff').replace(/\/+$/, '');
  const method = options.tokenEndpointAuthMethod ?? 'client_secret_basic';
  const secret = options.clientSecret ?? (SECRETLESS_AUTH_METHODS.has(method) ? undefined : DEMO_CLIENT_SECRET);
  return {
    client_id: options.clientId ?? DEMO_CLIENT_ID,
    ...(secret === undefined ? {} : { client_secret: secret }),
    client_name: 'Cloakroom demo BFF',
    // A public client cannot use the client-credentials grant (there is no client to authenticate).
    grant_types: ['authorization_code', 'refresh_token', ...(method === 'none' ? [] : ['client_credentials'])],
    response_types: ['code'],
    redirect_uris: [`${origin}${base}/callback`],
    // The BFF's own logout callback (it checks `state`), and the app's root for BFFs configured so.
    post_logout_redirect_uris: [`${origin}${base}/logout/callback`, `${origin}/`],
    backchannel_logout_uri: `${origin}${base}/backchannel-logout`,
    backchannel_logout_session_required: true,
    token_endpoint_auth_method: method,
    // Every ID token says when the user authenticated (not only when max_age was asked): the BFF
    // shows it in /session, and an app can tell whether a step-up is recent.
    require_auth_time: true,
    ...(options.jwks ? { jwks: { keys: options.jwks.keys.map((key) => ({ ...key })) } } : {}),
    scope: OIDC_SCOPES.join(' '),
  };
}

/** Options of {@link publicSpaClient}. */
export interface PublicSpaClientOptions {
  /** Origin the SPA's pages are served from, e.g. `http://localhost:3002` (a trailing path is ignored). */
  origin: string;
  /** Defaults to {@link TOKEN_SPA_CLIENT_ID}. */
  clientId?: string;
  /** The SPA's redirect (callback) page; defaults to `/callback`. */
  callbackPath?: string;
}

/**
 * Client metadata for a single-page app that keeps its tokens in the browser, the usual public-client
 * way (as with `oidc-client-ts`): no secret (`token_endpoint_auth_method: none`, PKCE), the code and
 * refresh grants, redirected to `{origin}/callback`. Its page may call the token endpoint from
 * `origin` (see {@link allowsBrowserOrigin}). It gets a refresh token only when it asks for
 * `offline_access` with `prompt=consent` (oidc-provider drops `offline_access` otherwise).
 *
 * For apps/token-spa, the comparison that shows what an XSS takes from such an app and not from the
 * BFF: not a recommendation.
 */
export function publicSpaClient(options: PublicSpaClientOptions): ClientMetadata {
  const origin = new URL(options.origin).origin;
  return {
    client_id: options.clientId ?? TOKEN_SPA_CLIENT_ID,
    client_name: 'Token-in-the-browser comparison SPA',
    application_type: 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [`${origin}${options.callbackPath ?? '/callback'}`],
    post_logout_redirect_uris: [`${origin}/`],
    token_endpoint_auth_method: 'none',
    scope: OIDC_SCOPES.join(' '),
  };
}

/** What {@link allowsBrowserOrigin} needs of a client; oidc-provider's `Client` has it. */
export interface BrowserOriginClient {
  readonly clientAuthMethod: string;
  readonly redirectUris: readonly string[];
}

/**
 * oidc-provider's `clientBasedCORS`: may a page at `origin` read the answers of the token (and
 * revocation, introspection, PAR) endpoints as `client`? Only for a public client, from the origin of
 * one of its redirect URIs, where its pages run. A confidential client (a BFF) calls server to server,
 * so no page ever gets to call the IdP as it.
 */
export function allowsBrowserOrigin(client: BrowserOriginClient, origin: string): boolean {
  return client.clientAuthMethod === 'none' && client.redirectUris.some((uri) => new URL(uri).origin === origin);
}
