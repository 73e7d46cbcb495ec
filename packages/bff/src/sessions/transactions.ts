import type { ResolvedConfig } from '../config.js';
import { sealedCookie, type SealedCookie } from './cookies.js';

/** What the BFF must remember between `/login` and `/callback`: the values that bind the two. */
export interface LoginTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  /** The `max_age` asked for: the ID token's `auth_time` must then show a sign-in that recent. */
  maxAge?: number | undefined;
  /** The `acr_values` asked for (step-up), to tell when the IdP signed the user in otherwise. */
  acrValues?: string | undefined;
  /**
   * The id of the session the browser had when it started signing in, which the new one replaces:
   * the IdP's redirect back is cross-site, so it does not carry the SameSite=Strict session cookie.
   */
  replaces?: string | undefined;
}

/** What the BFF remembers between `POST /logout` and the IdP's redirect back to `/logout/callback`. */
export interface LogoutTransaction {
  state: string;
  returnTo: string;
}

/** Ten minutes for a round trip through the IdP; after that its return is refused. */
export const TRANSACTION_TTL = 600;

/**
 * A round trip through the IdP rides in its own short-lived sealed cookie. SameSite=Lax, because the
 * way back is a top-level navigation from the IdP's site, which a Strict cookie would miss.
 */
function transactionCookie<T extends object>(config: ResolvedConfig, name: string, fields: readonly (keyof T & string)[]): SealedCookie<T> {
  return sealedCookie<T>(config, name, {
    sameSite: 'Lax',
    maxAge: TRANSACTION_TTL,
    isValid: (value): value is T & Record<string, unknown> => fields.every((field) => typeof value[field] === 'string'),
  });
}

export const loginTransactionCookie = (config: ResolvedConfig) =>
  transactionCookie<LoginTransaction>(config, `${config.cookieName}-login`, ['state', 'nonce', 'codeVerifier', 'returnTo']);

export const logoutTransactionCookie = (config: ResolvedConfig) =>
  transactionCookie<LogoutTransaction>(config, `${config.cookieName}-logout`, ['state', 'returnTo']);
