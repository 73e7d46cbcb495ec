/**
 * Finding the access token in a request: `Authorization: Bearer <token>` (RFC 6750 §2.1) or
 * `Authorization: DPoP <token>` (RFC 9449 §7.1).
 */
import { InvalidRequest, MissingToken } from './errors.js';

/** The authentication schemes of access tokens: bearer tokens, and DPoP-bound ones. */
export type AuthScheme = 'Bearer' | 'DPoP';

/** An access token as the request presented it. */
export interface PresentedToken {
  /** The scheme it came with. */
  readonly scheme: AuthScheme;
  readonly token: string;
}

/**
 * RFC 6750 §2.1 `b64token` and RFC 9110 §11.2 `token68` (the DPoP scheme's syntax, RFC 9449
 * §7.1) are the same: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
 */
const CREDENTIALS = /^[A-Za-z0-9]+ +([A-Za-z0-9\-._~+/]+=*)$/;

/** The auth-scheme: the header's first token (RFC 9110 §11.6.2), all of it (`BearerX` is not `Bearer`). */
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

function hasQueryToken(url: string): boolean {
  // Cheap test first: most URLs do not mention it at all.
  return url.includes('access_token') && new URL(url).searchParams.has('access_token');
}

/**
 * The scheme of `request`'s `Authorization` header when it is one of `schemes` (compared without
 * case, RFC 9110 §11.1), else `undefined`.
 */
export function presentedScheme(request: Request, schemes: readonly AuthScheme[]): AuthScheme | undefined {
  const name = SCHEME.exec(request.headers.get('authorization') ?? '')?.[0].toLowerCase();
  return schemes.find((scheme) => scheme.toLowerCase() === name);
}

/**
 * The access token of `request`, from its `Authorization: <scheme> <token>` header, for one of
 * `schemes`.
 *
 * - No `Authorization` header, or one with a scheme not in `schemes` (`Basic …`, or `DPoP …` where
 *   only `Bearer` is accepted): {@link MissingToken}.
 * - An accepted scheme with no token, a token with characters outside `b64token`, several tokens
 *   (two `Authorization` headers arrive joined by a comma), or a token in the URL query
 *   (`access_token`, RFC 6750 §2.3, which leaks tokens into logs and history and is not accepted,
 *   let alone together with the header): {@link InvalidRequest}.
 *
 * The form-encoded body method (RFC 6750 §2.2) is not supported: reading the body would consume
 * it before the route does.
 */
export function extractAccessToken(request: Request, schemes: readonly AuthScheme[]): PresentedToken {
  if (hasQueryToken(request.url)) {
    throw new InvalidRequest('a token in the URL query is not accepted');
  }
  const header = request.headers.get('authorization');
  if (header === null) throw new MissingToken('no Authorization header');
  const scheme = presentedScheme(request, schemes);
  if (!scheme) throw new MissingToken(`the Authorization header is not ${schemes.join(' or ')}`);
  const token = CREDENTIALS.exec(header)?.[1];
  if (!token) throw new InvalidRequest(`malformed ${scheme} credentials`);
  return { scheme, token };
}

/**
 * The bearer token of `request`, from its `Authorization: Bearer <token>` header (RFC 6750 §2.1);
 * refusals as {@link extractAccessToken}'s.
 */
export function extractBearerToken(request: Request): string {
  return extractAccessToken(request, ['Bearer']).token;
}
