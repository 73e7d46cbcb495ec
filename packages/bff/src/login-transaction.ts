import type { ResolvedConfig } from './config.js';
import { LOGIN_COOKIE, sealedCookie, type SealedCookie } from './cookies.js';

/** What the BFF must remember between `/login` and `/callback`: the values that bind the two. */
export interface LoginTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

/** Ten minutes to sign in; after that the callback is refused. */
const LOGIN_TRANSACTION_TTL = 600;

/**
 * The login transaction rides in its own short-lived sealed cookie. SameSite=Lax, because the
 * callback is a top-level navigation coming from the IdP's site, which a Strict cookie would miss.
 */
export function loginTransactionCookie(config: ResolvedConfig): SealedCookie<LoginTransaction> {
  return sealedCookie<LoginTransaction>(config, LOGIN_COOKIE, {
    sameSite: 'Lax',
    maxAge: LOGIN_TRANSACTION_TTL,
    isValid: (value) => ['state', 'nonce', 'codeVerifier', 'returnTo'].every((key) => typeof value[key] === 'string'),
  });
}
