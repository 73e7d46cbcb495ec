import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ResolvedConfig } from '../config.js';
import { ironSealer } from './seal.js';

/**
 * Reads and writes one sealed cookie (see {@link ironSealer}). `__Host-` forces Secure, Path=/ and
 * no Domain, so no sibling subdomain can set or read it.
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
    isValid: (value: Record<string, unknown>) => value is T & Record<string, unknown>;
    /** Remember this many unsealed values (for a cookie read on every request, such as the session's). */
    cacheSize?: number;
  },
): SealedCookie<T> {
  const sealer = ironSealer<T>(config.cookiePasswords, {
    ttl: options.maxAge,
    isValid: options.isValid,
    ...(options.cacheSize ? { cacheSize: options.cacheSize } : {}),
  });
  return {
    async read(c) {
      const seal = getCookie(c, name, 'host');
      // A tampered, truncated, expired or foreign seal is simply no cookie.
      return seal ? sealer.unseal(seal) : undefined;
    },
    async write(c, value) {
      setCookie(c, name, await sealer.seal(value), { prefix: 'host', httpOnly: true, sameSite: options.sameSite, maxAge: options.maxAge });
    },
    clear(c) {
      deleteCookie(c, name, { prefix: 'host', httpOnly: true, sameSite: options.sameSite, secure: true, path: '/' });
    },
  };
}
