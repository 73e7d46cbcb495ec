/**
 * Accepts only a same-origin relative path (`/orders?x=1#y`) as a post-login destination; anything
 * else falls back to `/`. Refuses `//evil`, `/\evil`, `https://…`, `javascript:…`, control characters
 * and paths that a browser would resolve to another origin.
 */
export function safeReturnTo(value: string | undefined, origin: string): string | undefined {
  if (value === undefined || value === '') return '/';
  // Browsers strip tabs/newlines and treat `\` like `/` in URLs: refuse them outright.
  if (!value.startsWith('/') || value.startsWith('//') || /[\\\p{Cc}]/u.test(value)) return undefined;
  let resolved: URL;
  try {
    resolved = new URL(value, origin);
  } catch {
    return undefined;
  }
  if (resolved.origin !== origin) return undefined;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
