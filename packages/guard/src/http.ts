/**
 * Outgoing HTTP to the authorization server (discovery, JWKS, introspection): `fetch` only.
 */
import * as oauth from 'oauth4webapi';

/** How the guard talks to the authorization server. */
export interface HttpSettings {
  /** The `fetch` to use. */
  readonly fetch: typeof fetch;
  /** Milliseconds before a request is abandoned. */
  readonly timeout: number;
}

/**
 * `fetch` with a timeout, no redirects (an authorization server's endpoints do not move; following
 * a redirect would let whoever controls it choose our keys), and one retry on a network failure.
 *
 * The retry covers a kept-alive connection that the server closed (e.g. it restarted) just as it
 * was reused. Every request the guard makes is safe to repeat: GETs, and introspection, which
 * only reads. Timeouts and HTTP errors are not retried.
 */
export async function fetchWithRetry(http: HttpSettings, url: string, init: RequestInit = {}): Promise<Response> {
  const signal = init.signal ?? AbortSignal.timeout(http.timeout);
  const attempt = () => http.fetch(url, { redirect: 'manual', ...init, signal });
  try {
    return await attempt();
  } catch (error) {
    if (signal.aborted || !(error instanceof TypeError)) throw error;
    return attempt();
  }
}

/**
 * The options that make oauth4webapi's requests go through {@link fetchWithRetry}. Plain `http:`
 * is allowed when the configured issuer or endpoint is itself `http:` (a loopback IdP in
 * development): the guard's configuration decides, as it does for the JWKS.
 */
export function oauthHttpOptions(
  http: HttpSettings,
  url: URL,
): {
  [oauth.customFetch]: (url: string, init: oauth.CustomFetchOptions<string, unknown>) => Promise<Response>;
  [oauth.allowInsecureRequests]: boolean;
} {
  return {
    [oauth.customFetch]: (url, init) => fetchWithRetry(http, url, init as RequestInit),
    [oauth.allowInsecureRequests]: url.protocol === 'http:',
  };
}
