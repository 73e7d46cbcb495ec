import { CookieJar } from './cookie-jar.js';
import { siteOf } from './site.js';

/** `RequestInit` plus what a browser knows about where a request comes from. */
export interface BrowserRequestInit extends RequestInit {
  /**
   * Origin of the page that makes the request. Defaults to the origin of the (first) request URL,
   * i.e. a page of the same app (the SPA calling its BFF). `null` means browser-initiated, like a
   * typed URL or a bookmark. Drives `SameSite`, `Sec-Fetch-Site` and `Origin`.
   */
  initiator?: string | null;
  /** Whether this is a top-level navigation. `fetch()` defaults to `false`, `follow()` to `true`. */
  navigation?: boolean;
}

/** The final response of {@link TestBrowser.follow}, with every URL requested on the way. */
export type FollowedResponse = Response & { readonly visited: readonly string[] };

const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function secFetchSite(initiator: string | null, chain: readonly URL[]): string {
  if (initiator === null) return 'none';
  const origin = new URL(initiator);
  if (chain.every((url) => url.origin === origin.origin)) return 'same-origin';
  if (chain.every((url) => siteOf(url) === siteOf(origin))) return 'same-site';
  return 'cross-site';
}

/**
 * A cookie-keeping HTTP agent for tests that need a browser's session behaviour but not its
 * rendering: redirects are manual (`fetch`) or followed (`follow`), cookies are stored and sent
 * back per RFC 6265 and Chromium's rules, and `Sec-Fetch-Site`, `Sec-Fetch-Dest` and `Origin` are
 * added the way Chromium adds them (explicit headers in `init` win). `Sec-Fetch-Mode` is whatever
 * Node's fetch sends (`cors`): undici sets it from the request mode, and `navigate` is not settable.
 *
 * SameSite follows Chromium's default: a request is same-site when its initiator is same-site with
 * the request URL; redirects keep the initiator of the navigation that started them.
 */
export class TestBrowser {
  readonly #jar = new CookieJar();

  /** One request, redirects not followed. */
  fetch(url: string | URL, init: BrowserRequestInit = {}): Promise<Response> {
    const target = new URL(url);
    return this.#send(target, init, [target]);
  }

  /**
   * Navigates to `url` and follows up to 20 redirects (301/302/303 turn into GET without a body,
   * 307/308 repeat the request), resolving the final response with the URLs visited.
   */
  async follow(url: string | URL, init: BrowserRequestInit = {}): Promise<FollowedResponse> {
    let target = new URL(url);
    const chain = [target];
    let request: BrowserRequestInit = {
      navigation: true,
      ...init,
      initiator: init.initiator === undefined ? target.origin : init.initiator,
    };
    for (let redirects = 0; ; redirects += 1) {
      const response = await this.#send(target, request, chain);
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || location === null) {
        return Object.assign(response, { visited: chain.map((visited) => visited.href) });
      }
      if (redirects === MAX_REDIRECTS) throw new Error(`too many redirects (${MAX_REDIRECTS}) from ${String(url)}`);
      await response.body?.cancel();
      const method = (request.method ?? 'GET').toUpperCase();
      if (response.status === 303 ? method !== 'HEAD' : response.status <= 302 && method === 'POST') {
        const headers = new Headers(request.headers);
        for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language']) {
          headers.delete(name);
        }
        request = { ...request, method: 'GET', body: null, headers };
      }
      target = new URL(location, target);
      chain.push(target);
    }
  }

  /** Name → value of the cookies a same-site request to `url` would carry. */
  cookies(url: string | URL): Map<string, string> {
    return new Map(this.#jar.matching(new URL(url)).map((cookie) => [cookie.name, cookie.value]));
  }

  /** Forgets every cookie, like closing all windows of a private session. */
  clearCookies(): void {
    this.#jar.clear();
  }

  async #send(url: URL, init: BrowserRequestInit, chain: readonly URL[]): Promise<Response> {
    const { initiator: rawInitiator, navigation = false, ...requestInit } = init;
    const initiator = rawInitiator === undefined ? (chain[0] ?? url).origin : rawInitiator;
    const method = (requestInit.method ?? 'GET').toUpperCase();
    const headers = new Headers(requestInit.headers);
    const site = secFetchSite(initiator, chain);
    const sameSite = initiator === null || siteOf(new URL(initiator)) === siteOf(url);

    const cookie = this.#jar.header(url, { sameSite, navigation, method });
    if (cookie !== undefined && !headers.has('cookie')) headers.set('cookie', cookie);
    if (!headers.has('sec-fetch-site')) headers.set('sec-fetch-site', site);
    if (!headers.has('sec-fetch-dest')) headers.set('sec-fetch-dest', navigation ? 'document' : 'empty');
    const crossOrigin = initiator !== null && new URL(initiator).origin !== url.origin;
    if (initiator !== null && !headers.has('origin') && (!['GET', 'HEAD'].includes(method) || (!navigation && crossOrigin))) {
      headers.set('origin', new URL(initiator).origin);
    }

    const response = await fetch(url, { ...requestInit, method, headers, redirect: 'manual' });
    this.#jar.store(url, response.headers.getSetCookie());
    return response;
  }
}
