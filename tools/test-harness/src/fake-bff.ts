/**
 * A stand-in for the BFF's HTTP answers, for the browser SDK's tests (`@cloakroom/client`,
 * `@cloakroom/react`): a `fetch` that the client is given instead of the network.
 */

/** The `fetch` a Cloakroom client takes (`BffClientOptions.fetch`); the client's own type, by shape. */
type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** One call the client made, as it made it. */
export interface RecordedCall {
  url: string;
  method: string;
  headers: Headers;
  credentials: RequestCredentials | undefined;
  body: string | undefined;
}

type Handler = (call: RecordedCall) => Response | Promise<Response>;

/**
 * A `fetch` stub standing in for the BFF: routes `METHOD /path` to handlers and records every call.
 * Unrouted calls answer 404 so a test fails loudly instead of hanging.
 */
export function fakeBff(routes: Record<string, Handler>): { fetch: FetchLike; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call: RecordedCall = {
      url,
      method: (init.method ?? 'GET').toUpperCase(),
      headers: new Headers(init.headers),
      credentials: init.credentials,
      body: typeof init.body === 'string' ? init.body : undefined,
    };
    calls.push(call);
    const handler = routes[`${call.method} ${url.split('?')[0]}`];
    return handler ? handler(call) : new Response('not found', { status: 404 });
  };
  return { fetch, calls };
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A problem document (RFC 9457) with the BFF's `code`, and any extension members (`acr_values`, …). */
export function problemResponse(
  status: number,
  code: string,
  title: string,
  detail?: string,
  extensions: Record<string, unknown> = {},
): Response {
  return new Response(JSON.stringify({ type: 'about:blank', title, status, detail, code, ...extensions }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

export const alice: { sub: string; name: string; email: string } = { sub: 'alice', name: 'Alice Example', email: 'alice@example.com' };

export const signedIn = () => jsonResponse({ authenticated: true, user: alice, expiresAt: 1764100000 });
export const signedOut = () => jsonResponse({ authenticated: false });

/** A promise resolved from the outside, to hold a response back. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A stateful BFF shared by several clients ("tabs"): `/session` reflects `server.user`,
 * `/logout` ends the session, and the orders API answers `401 session_expired` once it has ended.
 */
export function fakeServer(user: typeof alice | null = alice) {
  const server = { user };
  const bff = fakeBff({
    'GET /bff/session': () => (server.user ? jsonResponse({ authenticated: true, user: server.user, expiresAt: 1764100000 }) : signedOut()),
    'POST /bff/logout': () => {
      server.user = null;
      return jsonResponse({ endSessionUrl: null });
    },
    'GET /bff/api/orders/orders': () => (server.user ? jsonResponse([]) : problemResponse(401, 'session_expired', 'Session expired')),
  });
  /** How many calls went to `METHOD /path`. */
  const count = (route: string) => bff.calls.filter((call) => `${call.method} ${call.url}` === route).length;
  return { server, ...bff, count };
}
