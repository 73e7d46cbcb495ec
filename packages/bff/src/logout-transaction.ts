import type { ResolvedConfig } from './config.js';
import { sealedCookie, type SealedCookie } from './cookies.js';

/** What the BFF remembers between `POST /logout` and the IdP's redirect back to `/logout/callback`. */
export interface LogoutTransaction {
  state: string;
  returnTo: string;
}

/** SameSite=Lax: the way back from the IdP is a top-level navigation from another site. */
export function logoutTransactionCookie(config: ResolvedConfig): SealedCookie<LogoutTransaction> {
  return sealedCookie<LogoutTransaction>(config, 'cloakroom-logout', {
    sameSite: 'Lax',
    maxAge: 600,
    isValid: (value) => typeof value.state === 'string' && typeof value.returnTo === 'string',
  });
}
