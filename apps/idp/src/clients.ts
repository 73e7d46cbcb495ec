import type { ClientMetadata } from 'oidc-provider';

/** Client id of the demo BFF. */
export const DEMO_CLIENT_ID = 'cloakroom-bff';

/** Client secret of the demo BFF. A development value: the name says it all. */
export const DEMO_CLIENT_SECRET = 'cloakroom-bff-dev-secret-change-me-0123456789';

/** Origin the demo BFF (and the SPA it serves) runs on. */
export const DEMO_BFF_ORIGIN = 'http://localhost:3000';

/** OIDC scopes the IdP supports; resource scopes come from the resource servers. */
export const OIDC_SCOPES: readonly string[] = Object.freeze(['openid', 'profile', 'email', 'offline_access']);

/** Options of {@link bffClient}. */
export interface BffClientOptions {
  /** Origin of the BFF, e.g. `http://localhost:3000` (a trailing path is ignored). */
  origin: string;
  clientId?: string;
  clientSecret?: string;
  /** Where the BFF mounts its routes; defaults to `/bff`. */
  basePath?: string;
}

/**
 * Client metadata for a BFF at `origin`: a confidential web client (`client_secret_basic`) with the
 * code, refresh and client-credentials grants, RP-initiated and back-channel logout.
 *
 * `scope` lists OIDC scopes only: oidc-provider rejects client metadata naming scopes it does not
 * know statically, and resource scopes (`orders:read`, …) are governed by the resource servers.
 */
export function bffClient(options: BffClientOptions): ClientMetadata {
  const origin = new URL(options.origin).origin;
  const base = (options.basePath ?? '/bff').replace(/\/+$/, '');
  return {
    client_id: options.clientId ?? DEMO_CLIENT_ID,
    client_secret: options.clientSecret ?? DEMO_CLIENT_SECRET,
    client_name: 'Cloakroom demo BFF',
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    redirect_uris: [`${origin}${base}/callback`],
    // The BFF's own logout callback (it checks `state`), and the app's root for BFFs configured so.
    post_logout_redirect_uris: [`${origin}${base}/logout/callback`, `${origin}/`],
    backchannel_logout_uri: `${origin}${base}/backchannel-logout`,
    backchannel_logout_session_required: true,
    token_endpoint_auth_method: 'client_secret_basic',
    scope: OIDC_SCOPES.join(' '),
  };
}
