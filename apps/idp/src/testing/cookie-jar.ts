import { isIpAddress, isTrustworthy } from './site.js';

/** A cookie as the jar stores it. */
export interface StoredCookie {
  readonly name: string;
  readonly value: string;
  /** The host (host-only cookies) or the `Domain` attribute, lower-case, without a leading dot. */
  readonly domain: string;
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: 'strict' | 'lax' | 'none';
  /** Expiry in epoch milliseconds; `undefined` for a session cookie. */
  readonly expires: number | undefined;
  readonly created: number;
}

/** How the request that would carry cookies relates to the page that makes it. */
export interface CookieRequestContext {
  /** Whether the initiating page is same-site with the request URL (SameSite enforcement). */
  sameSite: boolean;
  /** Whether this is a top-level navigation, which lets SameSite=Lax cookies through on safe methods. */
  navigation: boolean;
  method: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

function defaultPath(url: URL): string {
  // RFC 6265 §5.1.4: the request path up to, not including, its last slash.
  const path = url.pathname;
  const lastSlash = path.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : path.slice(0, lastSlash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function domainMatches(host: string, cookie: StoredCookie): boolean {
  if (cookie.hostOnly) return host === cookie.domain;
  return host === cookie.domain || (!isIpAddress(host) && host.endsWith(`.${cookie.domain}`));
}

/** Parses one `Set-Cookie` header; `undefined` when a browser would reject it. */
function parseSetCookie(header: string, url: URL, now: number): StoredCookie | undefined {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq < 1) return undefined; // nameless cookies: not worth supporting in tests
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  const host = url.hostname;

  let domain: string | undefined;
  let path: string | undefined;
  let maxAge: number | undefined;
  let expires: number | undefined;
  let secure = false;
  let httpOnly = false;
  let sameSite: StoredCookie['sameSite'] = 'lax'; // Chromium's default when the attribute is absent
  for (const attribute of attributes) {
    const [rawKey = '', ...rest] = attribute.split('=');
    const key = rawKey.trim().toLowerCase();
    const attributeValue = rest.join('=').trim();
    if (key === 'domain' && attributeValue) domain = attributeValue.replace(/^\./, '').toLowerCase();
    else if (key === 'path') path = attributeValue.startsWith('/') ? attributeValue : undefined;
    else if (key === 'max-age' && /^-?\d+$/.test(attributeValue)) maxAge = Number(attributeValue);
    else if (key === 'expires' && !Number.isNaN(Date.parse(attributeValue))) expires = Date.parse(attributeValue);
    else if (key === 'secure') secure = true;
    else if (key === 'httponly') httpOnly = true;
    else if (key === 'samesite') {
      const mode = attributeValue.toLowerCase();
      if (mode === 'strict' || mode === 'lax' || mode === 'none') sameSite = mode;
    }
  }

  if (domain !== undefined && !(host === domain || (!isIpAddress(host) && host.endsWith(`.${domain}`)))) return undefined;
  if (secure && !isTrustworthy(url)) return undefined;
  if (sameSite === 'none' && !secure) return undefined;
  if (name.startsWith('__Secure-') && !secure) return undefined;
  if (name.startsWith('__Host-') && (!secure || domain !== undefined || path !== '/')) return undefined;

  return {
    name,
    value,
    domain: domain ?? host,
    hostOnly: domain === undefined,
    path: path ?? defaultPath(url),
    secure,
    httpOnly,
    sameSite,
    // Max-Age wins over Expires; a past expiry means "delete".
    expires: maxAge !== undefined ? now + maxAge * 1000 : expires,
    created: now,
  };
}

/**
 * An RFC 6265 cookie store with the browser rules tests rely on: per host (not port), `Path`,
 * `Domain`, `Max-Age`/`Expires` (including deletion), `Secure` and the `__Host-`/`__Secure-`
 * prefixes (accepted on http://localhost as Chromium does), and `SameSite` (Lax by default).
 */
export class CookieJar {
  #cookies: StoredCookie[] = [];

  /** Applies the `Set-Cookie` headers of a response for `url`. */
  store(url: URL, setCookieHeaders: readonly string[]): void {
    const now = Date.now();
    for (const header of setCookieHeaders) {
      const cookie = parseSetCookie(header, url, now);
      if (!cookie) continue;
      const index = this.#cookies.findIndex(
        (other) => other.name === cookie.name && other.domain === cookie.domain && other.path === cookie.path,
      );
      const existing = index === -1 ? undefined : this.#cookies[index];
      // "Leave Secure Cookies Alone": an insecure origin cannot replace a Secure cookie.
      if (existing?.secure && !isTrustworthy(url)) continue;
      if (index !== -1) this.#cookies.splice(index, 1);
      const expired = cookie.expires !== undefined && cookie.expires <= now;
      if (!expired) this.#cookies.push(existing ? { ...cookie, created: existing.created } : cookie);
    }
  }

  /** The cookies a request to `url` carries, most specific path first (RFC 6265 §5.4). */
  matching(url: URL, context?: CookieRequestContext): StoredCookie[] {
    const now = Date.now();
    this.#cookies = this.#cookies.filter((cookie) => cookie.expires === undefined || cookie.expires > now);
    return this.#cookies
      .filter((cookie) => domainMatches(url.hostname, cookie))
      .filter((cookie) => pathMatches(url.pathname, cookie.path))
      .filter((cookie) => !cookie.secure || isTrustworthy(url))
      .filter((cookie) => {
        if (!context || context.sameSite || cookie.sameSite === 'none') return true;
        if (cookie.sameSite === 'strict') return false;
        return context.navigation && SAFE_METHODS.has(context.method.toUpperCase());
      })
      .sort((a, b) => b.path.length - a.path.length || a.created - b.created);
  }

  /** The `Cookie` header value for a request, or `undefined` when there is nothing to send. */
  header(url: URL, context: CookieRequestContext): string | undefined {
    const cookies = this.matching(url, context);
    return cookies.length ? cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ') : undefined;
  }

  /** Forgets every cookie. */
  clear(): void {
    this.#cookies = [];
  }
}
