import type { FetchLike } from '../src/index.js';

/** A `fetch` stub standing in for the BFF: routes `METHOD /path` to handlers and records every call. */
export function fakeBff(routes: Record<string, () => Response | Promise<Response>>): {
  fetch: FetchLike;
  calls: { method: string; url: string; headers: Headers }[];
} {
  const calls: { method: string; url: string; headers: Headers }[] = [];
  const fetch: FetchLike = async (url, init) => {
    const method = (init.method ?? 'GET').toUpperCase();
    calls.push({ method, url, headers: new Headers(init.headers) });
    const handler = routes[`${method} ${url}`];
    return handler ? handler() : new Response('not found', { status: 404 });
  };
  return { fetch, calls };
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

export const signedIn = () =>
  jsonResponse({ authenticated: true, user: { sub: 'alice', name: 'Alice Example' }, expiresAt: 1764100000 });
export const signedOut = () => jsonResponse({ authenticated: false });
