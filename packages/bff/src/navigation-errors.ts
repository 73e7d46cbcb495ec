import type { MiddlewareHandler } from 'hono';
import type { ResolvedConfig } from './config.js';
import { BffError } from './errors.js';

/** The query parameter that carries a failed navigation's error code into the app. */
export const ERROR_PARAMETER = 'cloakroom_error';

/**
 * True for a top-level navigation (a person following a link, a redirect, Back), as opposed to a
 * `fetch`: `Sec-Fetch-Mode: navigate` / `Sec-Fetch-Dest: document` where the browser sends them, an
 * HTML `Accept` where it does not.
 */
export function isNavigation(headers: { header(name: string): string | undefined }): boolean {
  const mode = headers.header('sec-fetch-mode');
  const dest = headers.header('sec-fetch-dest');
  if (mode !== undefined || dest !== undefined) return mode === 'navigate' || dest === 'document';
  return headers.header('accept')?.includes('text/html') ?? false;
}

/**
 * For the routes a person navigates to (`/login`, `/callback`, `/logout/callback`): a person never
 * sees JSON. A failure becomes a redirect into the app, to `errorPath?cloakroom_error=<code>`, the
 * stable code only (no detail, nothing the request supplied); `fetch` callers keep the problem JSON.
 */
export function navigationErrors(config: ResolvedConfig): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!c.error || !isNavigation(c.req)) return;
    const code = c.error instanceof BffError ? c.error.code : 'internal_error';
    // Set-Cookie headers of the failed response (a cleared transaction cookie) are kept by Hono.
    c.res = new Response(null, {
      status: 302,
      headers: { Location: `${config.errorPath}?${ERROR_PARAMETER}=${code}`, 'Cache-Control': 'no-store' },
    });
  };
}
