import { BffError } from './errors.js';
import type { SendUpstream, UpstreamResponse } from './upstream-client.js';

/**
 * Request headers that may travel from the browser to an API. An allow-list, because the browser
 * sends credentials (Cookie), our own anti-CSRF header and much else that an upstream must not see.
 */
export const FORWARDED_REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'cache-control',
  'content-language',
  'content-type',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'range',
  'traceparent',
  'tracestate',
  'x-request-id',
];

/**
 * Response headers that may travel from an API to the browser: those that describe the content (and
 * whether a proxy may buffer it), its validators, redirects and challenges. An allow-list, because the
 * answer lands on the app's origin, where `Set-Cookie`, `Clear-Site-Data`, `Refresh`, a
 * `Content-Security-Policy` or CORS headers would act on the whole app. (Not `X-Accel-Redirect` and
 * its kin: nginx in front would serve an internal location the API names.)
 */
export const FORWARDED_RESPONSE_HEADERS = [
  'accept-ranges',
  'age',
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-length',
  'content-location',
  'content-range',
  'content-type',
  'date',
  'etag',
  'expires',
  'last-modified',
  'link',
  'location',
  'retry-after',
  'traceparent',
  'tracestate',
  'vary',
  'www-authenticate',
  'x-accel-buffering',
  'x-request-id',
];

/** `Link` relations that make the browser fetch or connect on the app's behalf. */
const EAGER_LINK = /;\s*rel\s*=\s*"?[^"]*\b(preload|modulepreload|prefetch|preconnect|dns-prefetch|prerender)\b/i;

/** What an API's answer may carry to the browser, and whether a shared cache may keep it. */
export interface ResponsePolicy {
  /** Extra response header names (lower case) to pass. */
  responseHeaders: readonly string[];
  /** Mark the answer `Cache-Control: private` and `Vary: Cookie` (it is this user's). */
  privateResponses: boolean;
}

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) and `accept-encoding` (the runtime's fetch negotiates, and
 * decodes, the encoding itself): never forwarded either way, whatever an API's configuration names.
 */
const NEVER_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'accept-encoding',
]);
const DEFAULT_RESPONSE_HEADERS = new Set(FORWARDED_RESPONSE_HEADERS);

/**
 * The headers of an API's answer as the browser gets them: the allow-listed ones only, `Link` without
 * eager fetches, and, for per-user answers, `Cache-Control: private` (unless the API said `private`
 * or `no-store`) and `Vary: Cookie`: through the BFF the credential is a cookie, so a shared cache
 * (a CDN in front of the app) would otherwise store one user's answer for another (RFC 9111 §3.5
 * protects requests with `Authorization`, not with cookies). A plain record, which Hono's `c.body`
 * takes as it is.
 */
export function responseHeaders(upstream: UpstreamResponse, policy: ResponsePolicy): Record<string, string> {
  const headers: Record<string, string> = {};
  // Names the upstream's Connection header declares hop-by-hop for this message.
  const connection = upstream.headers
    .get('connection')
    ?.toLowerCase()
    .split(',')
    .map((name) => name.trim());
  for (const [name, value] of upstream.headers) {
    if (!DEFAULT_RESPONSE_HEADERS.has(name) && !policy.responseHeaders.includes(name)) continue;
    if (NEVER_FORWARDED.has(name) || connection?.includes(name)) continue;
    headers[name] = value;
  }
  // A body the client decoded (fetch does): its encoding and length no longer describe what is sent on.
  if (upstream.decoded) {
    delete headers['content-encoding'];
    delete headers['content-length'];
  }
  // An event stream is worthless buffered, and nginx in front of the BFF buffers by default: this
  // tells it not to (it takes the header off itself; other proxies ignore it). An API may say otherwise.
  if (headers['x-accel-buffering'] === undefined && /^text\/event-stream\b/i.test(headers['content-type'] ?? '')) {
    headers['x-accel-buffering'] = 'no';
  }
  if (headers.link !== undefined) {
    const links = headers.link.match(/<[^>]*>[^,]*/g)?.filter((link) => !EAGER_LINK.test(link));
    if (links?.length) headers.link = links.join(', ');
    else delete headers.link;
  }
  if (policy.privateResponses) {
    const directives = (headers['cache-control'] ?? '')
      .split(',')
      .map((directive) => directive.trim())
      .filter(Boolean);
    if (!directives.some((directive) => /^(private|no-store)$/i.test(directive))) {
      const shared = /^(public|s-maxage=.*|proxy-revalidate)$/i;
      headers['cache-control'] = ['private', ...directives.filter((directive) => !shared.test(directive))].join(', ');
    }
    const vary = headers.vary;
    if (!vary?.split(',').some((name) => name.trim().toLowerCase() === 'cookie' || name.trim() === '*')) {
      headers.vary = vary ? `${vary}, Cookie` : 'Cookie';
    }
  }
  return headers;
}

/**
 * A path that some upstream could read as climbing out of its base: dot segments, slashes, `;`, or
 * an overlong UTF-8 lead byte (`%c0%ae` is a `.` to a decoder that accepts overlong forms).
 */
function climbs(path: string): boolean {
  return path.split('/').some((segment) => /^(\.|%2e){1,2}$/i.test(segment)) || /%2f|%5c|\\|;|%c0|%c1|%e0%[89]|%f0%8/i.test(path);
}

/** One level of percent-decoding as a lenient upstream does it: every valid `%XX`, byte by byte. */
const decodeLeniently = (path: string) => path.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/**
 * Maps the path after `{basePath}/api/{name}` onto the API's base URL, keeping the query. Refuses
 * what could climb out of the API's base path upstream, at every level of percent-decoding an
 * upstream might apply: dot segments, encoded slashes and backslashes, `;` (Tomcat and Jetty read
 * `..;/` as `../`), double-encoded ones (`%252e%252e%252f`), and percent sequences that are not
 * UTF-8 (`%c0%ae`, an overlong `.`).
 */
export function upstreamUrl(baseUrl: URL, rest: string, search: string): string {
  try {
    decodeURIComponent(rest); // what the browser sent must be UTF-8
  } catch {
    throw new BffError('invalid_request', { detail: 'The API path has percent-encoding that is not UTF-8.' });
  }
  // Deeper levels are decoded leniently, so that a stray `%` (`100%25`) neither fails the request
  // nor stops the checks of what lies below it.
  let path = rest;
  for (let level = 0; level < 4; level++) {
    if (climbs(path))
      throw new BffError('invalid_request', { detail: 'The API path must not contain dot segments, encoded slashes or ";".' });
    const decoded = decodeLeniently(path);
    if (decoded === path) break;
    path = decoded;
  }
  // `rest` and `search` come from a parsed URL, so they are encoded already: joined, not parsed again.
  return `${baseUrl.origin}${baseUrl.pathname.replace(/\/$/, '')}${rest}${search}`;
}

export interface ForwardOptions {
  url: string;
  request: Request;
  /** The access token for the API, if it gets one. */
  accessToken: string | undefined;
  /** The DPoP proof of this attempt, for a DPoP-bound token: it goes as `Authorization: DPoP` then, with the `DPoP` header. */
  dpop?: string | undefined;
  /** Extra request header names (lower case) to forward. */
  forwardHeaders: readonly string[];
  /** How the request goes out (see `upstreamSender`). */
  send: SendUpstream;
  timeout: number;
  /** Largest request body in bytes. */
  maxBodySize: number;
  /** The request body read in advance (so that it can be sent twice); else the request's stream. */
  bufferedBody?: ArrayBuffer;
  /** Milliseconds for the whole response, body included; undefined: no limit. */
  totalTimeout?: number | undefined;
}

/**
 * Sends the browser's request upstream and answers the upstream's response as it is: its body
 * streams, never buffered, and {@link responseHeaders} picks what of it reaches the browser. Only
 * allow-listed request headers go up, never a hop-by-hop one. No `hono/proxy`, which would build a
 * Request and two Responses around each call.
 */
export async function forward(options: ForwardOptions): Promise<UpstreamResponse> {
  const { url, request, accessToken, dpop, forwardHeaders, send, timeout, maxBodySize, bufferedBody, totalTimeout } = options;
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  for (const name of forwardHeaders) {
    const value = NEVER_FORWARDED.has(name) ? null : request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  if (dpop !== undefined) headers.dpop = dpop;
  if (accessToken !== undefined) headers.authorization = dpop === undefined ? `Bearer ${accessToken}` : `DPoP ${accessToken}`;
  const method = request.method;
  const body = method === 'GET' || method === 'HEAD' || bufferedBody ? null : limitedBody(request, maxBodySize);

  // One controller for every reason to stop: the browser went away (which also cuts off a body being
  // streamed), no response headers within `timeout`, or the whole response past `totalTimeout`.
  // Cheaper than AbortSignal.any over three signals, which was a visible share of each call.
  const upstream = new AbortController();
  const browser = request.signal;
  // Once the answer streams, a server adapter cancels its body when the browser goes away, which
  // closes the upstream quietly; aborting first would fail the body instead (and @hono/node-server
  // prints that failure). So the abort then waits a microtask, for an adapter that does not cancel.
  let answered = false;
  const abort = () => upstream.abort(browser.reason);
  const stop = () => (answered ? queueMicrotask(abort) : abort());
  if (browser.aborted) stop();
  else browser.addEventListener('abort', stop, { once: true });
  let timedOut = false;
  const timeUp = () => {
    timedOut = true;
    upstream.abort(new DOMException('upstream timeout', 'TimeoutError'));
  };
  const headersTimer = setTimeout(timeUp, timeout);
  const totalTimer = totalTimeout === undefined ? undefined : setTimeout(timeUp, totalTimeout);
  try {
    const response = await send(url, { method, headers, body: bufferedBody ?? body?.stream, signal: upstream.signal });
    answered = true;
    if (totalTimer === undefined) return response;
    const done = () => clearTimeout(totalTimer);
    if (!response.body) done();
    return response.body ? { ...response, body: settling(response.body, done) } : response;
  } catch (error) {
    clearTimeout(totalTimer);
    browser.removeEventListener('abort', stop);
    if (body?.exceeded()) throw tooLarge(maxBodySize);
    if (timedOut) throw new BffError('upstream_timeout', { detail: 'The API did not answer in time.', cause: error });
    throw new BffError('upstream_unavailable', { detail: 'The API cannot be reached.', cause: error });
  } finally {
    clearTimeout(headersTimer);
  }
}

/**
 * `body`, calling `settled` once it ends, fails or is cancelled: the whole-response timer stops with
 * the response instead of holding its closure until it fires. Chunk by chunk, nothing read ahead.
 */
function settling(body: ReadableStream<Uint8Array>, settled: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { value, done } = await reader.read();
          if (!done) return controller.enqueue(value);
          settled();
          controller.close();
        } catch (error) {
          settled();
          controller.error(error);
        }
      },
      cancel(reason) {
        settled();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

const tooLarge = (maxBodySize: number) =>
  new BffError('payload_too_large', { detail: `Request bodies are limited to ${maxBodySize} bytes.` });

/**
 * The request body, cut off past `maxBodySize`. Written here because `hono/body-limit` buffers a
 * chunked body whole before passing it on, and the proxy must stream.
 */
function limitedBody(request: Request, maxBodySize: number): { stream: ReadableStream<Uint8Array>; exceeded(): boolean } | null {
  if (request.body === null) return null;
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBodySize) throw tooLarge(maxBodySize);
  let size = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      if (size > maxBodySize) controller.error(tooLarge(maxBodySize));
      else controller.enqueue(chunk);
    },
  });
  return { stream: request.body.pipeThrough(counter), exceeded: () => size > maxBodySize };
}
