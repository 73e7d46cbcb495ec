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
  // Dot segments can resolve to a path that itself starts with `//` (`/.//evil`, `/a/..//evil`):
  // check what the browser would be sent, not only what came in.
  if (resolved.origin !== origin || resolved.pathname.startsWith('//')) return undefined;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
