import * as oidc from 'openid-client';
import type { ResolvedConfig } from '../config.js';
import type { Session } from '../sessions/session-store.js';
import type { DiscoveredProvider } from './oidc.js';

/** Where to send the browser to sign out at the IdP, and the `state` its redirect back must carry. */
export interface EndSessionRequest {
  url: URL;
  state: string;
}

/**
 * OpenID Connect RP-Initiated Logout 1.0 for an ended `session`; `undefined` when the IdP (if it
 * could be discovered at all) has no `end_session_endpoint`.
 */
export function endSessionRequest(
  config: ResolvedConfig,
  discovered: DiscoveredProvider | undefined,
  session: Session,
): EndSessionRequest | undefined {
  const configuration = discovered?.configuration;
  if (!configuration?.serverMetadata().end_session_endpoint) return undefined;
  const state = oidc.randomState();
  const url = oidc.buildEndSessionUrl(configuration, {
    // The end-session URL passes through the browser, where no token goes unless the app opts in;
    // openid-client adds client_id, which OIDC RP-Initiated Logout 1.0 §2 accepts instead.
    ...(config.logoutIdTokenHint && session.idToken ? { id_token_hint: session.idToken } : {}),
    post_logout_redirect_uri: config.postLogoutRedirectUri,
    state,
  });
  return { url, state };
}
