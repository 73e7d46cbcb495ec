import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { BffError } from '../errors.js';

/**
 * Browsers keep about 4096 bytes per cookie (name, value and attributes together); chunks stay well
 * under it so that `__Host-name.N=` and the attributes fit too.
 */
export const CHUNK_SIZE = 3800;
/** Browsers keep at least 50 cookies per domain (RFC 6265 §6.1); a session needs far fewer. */
const MAX_CHUNKS = 16;

/**
 * A value too large for one cookie, stored as `__Host-{name}.0`, `.1`, …: written all at once,
 * read back in order until the first gap. The caller seals the value, so a missing, reordered or
 * altered chunk fails to unseal as a whole. Written here because no library we use splits cookies.
 */
export interface ChunkedCookie {
  read(c: Context): string | undefined;
  write(c: Context, value: string): void;
  clear(c: Context): void;
}

export function chunkedCookie(name: string, options: { sameSite: 'Strict' | 'Lax'; maxAge: number }): ChunkedCookie {
  const attributes = { prefix: 'host' as const, httpOnly: true, secure: true, path: '/', sameSite: options.sameSite };
  const presentChunks = (c: Context) => {
    const cookies = getCookie(c);
    const indexes: number[] = [];
    for (let index = 0; index < MAX_CHUNKS && cookies[`__Host-${name}.${index}`] !== undefined; index++) indexes.push(index);
    return { cookies, indexes };
  };
  return {
    read(c) {
      const { cookies, indexes } = presentChunks(c);
      if (indexes.length === 0) return undefined;
      return indexes.map((index) => cookies[`__Host-${name}.${index}`]).join('');
    },
    write(c, value) {
      const count = Math.ceil(value.length / CHUNK_SIZE);
      if (count > MAX_CHUNKS) {
        throw new BffError('internal_error', {
          detail: `The session is too large for ${MAX_CHUNKS} cookies (${value.length} bytes): use a session store.`,
        });
      }
      for (let index = 0; index < count; index++) {
        setCookie(c, `${name}.${index}`, value.slice(index * CHUNK_SIZE, (index + 1) * CHUNK_SIZE), {
          ...attributes,
          maxAge: options.maxAge,
        });
      }
      // A shorter value than before: the old tail chunks must go, or they would be read as part of it.
      for (const index of presentChunks(c).indexes) if (index >= count) deleteCookie(c, `${name}.${index}`, attributes);
    },
    clear(c) {
      for (const index of presentChunks(c).indexes) deleteCookie(c, `${name}.${index}`, attributes);
    },
  };
}
