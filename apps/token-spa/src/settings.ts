import type { UserManagerSettings } from 'oidc-client-ts';

/** The demo orders API, called straight from the page with the bearer token. */
export const API_URL = import.meta.env.VITE_API_URL;

/**
 * oidc-client-ts set up as a public client usually is: authorization code flow with PKCE (its
 * default), no secret, the user and its tokens in `sessionStorage` (its default), and a refresh
 * token through `offline_access`.
 */
export function userManagerSettings(origin: string): UserManagerSettings {
  return {
    authority: import.meta.env.VITE_IDP_ISSUER,
    client_id: import.meta.env.VITE_CLIENT_ID,
    redirect_uri: `${origin}/callback`,
    post_logout_redirect_uri: `${origin}/`,
    scope: 'openid profile offline_access orders:read orders:write',
    // oidc-provider grants offline_access, and so a refresh token, only when consent is asked for.
    prompt: 'consent',
    // RFC 8707: an access token (a JWT) for the orders API, which checks its audience.
    resource: import.meta.env.VITE_RESOURCE,
  };
}
