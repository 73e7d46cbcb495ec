import { BffError } from './errors.js';

/** The longest `returnTo` accepted, in characters. */
export const MAX_RETURN_TO_LENGTH = 2048;

/**
 * Accepts only a same-origin relative path (`/orders?x=1#y`) as a destination after sign-in or
 * sign-out; none given means `/`. Refuses (answers `undefined`) `//evil`, `/\evil`, `https://…`,
 * `javascript:…`, control characters and paths that a browser would resolve to another origin.
 */
export function safeReturnTo(value: string | undefined, origin: string): string | undefined {
  if (value === undefined || value === '') return '/';
  // It rides in a cookie: a longer one would make a Set-Cookie that browsers drop.
  if (value.length > MAX_RETURN_TO_LENGTH) return undefined;
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
  // Measured again as it will be stored: percent-encoding can make a short path long (é is %C3%A9).
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  return path.length <= MAX_RETURN_TO_LENGTH ? path : undefined;
}

/** The request's `returnTo` query parameter, or `400 invalid_request` when it is not {@link safeReturnTo}. */
export function requireReturnTo(value: string | undefined, origin: string): string {
  const returnTo = safeReturnTo(value, origin);
  if (returnTo === undefined)
    throw new BffError('invalid_request', {
      detail: `returnTo must be a relative path on this site, at most ${MAX_RETURN_TO_LENGTH} characters.`,
    });
  return returnTo;
}
