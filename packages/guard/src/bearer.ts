/**
 * Finding the bearer token in a request (RFC 6750 §2).
 */
import { InvalidRequest, MissingToken } from './errors.js';

/** RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

function hasQueryToken(url: string): boolean {
  // Cheap test first: most URLs do not mention it at all.
  return url.includes('access_token') && new URL(url).searchParams.has('access_token');
}

/**
 * The bearer token of `request`, from its `Authorization: Bearer <token>` header (RFC 6750 §2.1).
 *
 * - No `Authorization` header, or one with another scheme (`Basic …`): {@link MissingToken}.
 * - `Bearer` with no token, a token with characters outside `b64token`, several tokens (two
 *   `Authorization` headers arrive joined by a comma), or a token in the URL query
 *   (`access_token`, RFC 6750 §2.3, which leaks tokens into logs and history and is not accepted,
 *   let alone together with the header): {@link InvalidRequest}.
 *
 * The form-encoded body method (§2.2) is not supported: reading the body would consume it before
 * the route does.
 */
export function extractBearerToken(request: Request): string {
  if (hasQueryToken(request.url)) {
    throw new InvalidRequest('a token in the URL query is not accepted');
  }
  const header = request.headers.get('authorization');
  if (header === null) throw new MissingToken('no Authorization header');
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  // Auth schemes are case-insensitive (RFC 9110 §11.1).
  if (scheme.toLowerCase() !== 'bearer') throw new MissingToken('the Authorization header is not Bearer');
  const token = space === -1 ? '' : header.slice(space + 1).replace(/^ +/, '');
  if (!B64TOKEN.test(token)) throw new InvalidRequest('malformed Bearer credentials');
  return token;
}
