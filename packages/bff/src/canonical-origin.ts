import type { MiddlewareHandler } from 'hono';
import type { ResolvedConfig } from './config.js';

/**
 * Sends a request that reached the BFF under another host than `baseUrl`'s (the app opened at
 * `127.0.0.1` instead of `localhost`) to the same path on `baseUrl`, before a sign-in starts: the
 * login transaction cookie must be set on the host the IdP redirects back to, or the callback finds
 * no sign-in in progress. A proxy's `X-Forwarded-Host` counts as the host the browser used.
 */
export function redirectToBaseUrl(config: ResolvedConfig): MiddlewareHandler {
  const expected = new URL(config.origin).host;
  return async (c, next) => {
    const url = new URL(c.req.url);
    const forwarded = c.req.header('x-forwarded-host')?.split(',')[0]?.trim();
    if (!config.redirectToBaseUrl || url.host === expected || forwarded === expected) return next();
    c.header('Cache-Control', 'no-store');
    return c.redirect(`${config.origin}${url.pathname}${url.search}`, 302);
  };
}
