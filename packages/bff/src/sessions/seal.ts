import { sealData, unsealData } from 'iron-session';
import { UnsealCache } from './unseal-cache.js';

/** Seals values into strings a browser may hold, and opens them again. */
export interface Sealer<T> {
  seal(value: T): Promise<string>;
  /** The value, or `undefined` for a seal that is tampered, truncated, expired, foreign or not a `T`. */
  unseal(seal: string): Promise<T | undefined>;
}

/**
 * The one place the BFF's cookies are sealed: iron-session (AES-256-CBC + HMAC-SHA-256, keys from
 * PBKDF2). The newest password (highest id) seals, all of them unseal, so secrets can rotate; a seal
 * carries its own expiry, `ttl` seconds after sealing. (The Redis store seals with AES-GCM instead:
 * see `stores/text-sealer.ts` for why.)
 *
 * @param isValid what a value must look like once unsealed: a seal of something else is no value.
 * @param cacheSize with it, seals opened before are remembered (see {@link UnsealCache}): for a cookie
 *   read on every request, such as the session's.
 */
export function ironSealer<T extends object>(
  passwords: Record<string, string>,
  options: { ttl: number; isValid: (value: Record<string, unknown>) => value is T & Record<string, unknown>; cacheSize?: number },
): Sealer<T> {
  const cache = options.cacheSize ? new UnsealCache<T>(options.cacheSize) : undefined;
  return {
    seal: (value) => sealData(value, { password: passwords, ttl: options.ttl }),
    async unseal(seal) {
      const cached = cache?.get(seal);
      if (cached) return cached;
      // unsealData answers {} for some bad seals and throws for others (bad prefix, bad base64).
      const value = await unsealData<Record<string, unknown>>(seal, { password: passwords, ttl: options.ttl }).catch(() => ({}));
      if (!options.isValid(value)) return undefined;
      cache?.set(seal, value);
      return value;
    },
  };
}
