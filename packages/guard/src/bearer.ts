/**
 * Finding the bearer token in a request (RFC 6750 §2).
 */
import { InvalidRequest, MissingToken } from './errors.js';

/**
 * RFC 6750 §2.1: `credentials = "Bearer" 1*SP b64token`, with
 * `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
 */
const BEARER_CREDENTIALS = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** `Bearer` as the whole auth-scheme: not followed by another token character (RFC 9110 §5.6.2). */
const BEARER_SCHEME = /^Bearer(?![!#$%&'*+.^_`|~0-9A-Za-z-])/i;

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
  // The scheme is a case-insensitive token (RFC 9110 §11.1); anything but `Bearer` is no token for us.
  if (!BEARER_SCHEME.test(header)) throw new MissingToken('the Authorization header is not Bearer');
  const match = BEARER_CREDENTIALS.exec(header);
  if (!match?.[1]) throw new InvalidRequest('malformed Bearer credentials');
  return match[1];
}
