import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { sealData, unsealData } from 'iron-session';
import type { ResolvedConfig } from '../config.js';
import type { UnsealCache } from './unseal-cache.js';

/**
 * Reads and writes one sealed cookie. Values are sealed with iron-session (AES-256-CBC + HMAC);
 * the newest password seals, all configured passwords unseal, so secrets can rotate.
 * `__Host-` forces Secure, Path=/ and no Domain, so no sibling subdomain can set or read it.
 */
export interface SealedCookie<T> {
  read(c: Context): Promise<T | undefined>;
  write(c: Context, value: T): Promise<void>;
  clear(c: Context): void;
}

export function sealedCookie<T extends object>(
  config: ResolvedConfig,
  name: string,
  options: {
    sameSite: 'Strict' | 'Lax';
    maxAge: number;
    isValid: (value: Record<string, unknown>) => boolean;
    /** Remember unsealed values (for a cookie read on every request, such as the session's). */
    cache?: UnsealCache<Record<string, unknown>>;
  },
): SealedCookie<T> {
  const password = config.cookiePasswords;
  return {
    async read(c) {
      const seal = getCookie(c, name, 'host');
      if (!seal) return undefined;
      const cached = options.cache?.get(seal);
      if (cached) return cached as T;
      // A tampered, truncated, expired or foreign seal is simply no cookie: unsealData answers {} for
      // some of these and throws for others (bad prefix, bad base64), so both end up here.
      const value = await unsealData<Record<string, unknown>>(seal, { password, ttl: options.maxAge }).catch(() => ({}));
      if (!options.isValid(value)) return undefined;
      options.cache?.set(seal, value);
      return value as T;
    },
    async write(c, value) {
      const seal = await sealData(value, { password, ttl: options.maxAge });
      setCookie(c, name, seal, { prefix: 'host', httpOnly: true, sameSite: options.sameSite, maxAge: options.maxAge });
    },
    clear(c) {
      deleteCookie(c, name, { prefix: 'host', httpOnly: true, sameSite: options.sameSite, secure: true, path: '/' });
    },
  };
}
