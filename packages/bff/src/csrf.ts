import type { MiddlewareHandler } from 'hono';
import { BffError } from './errors.js';

/**
 * Anti-CSRF for the routes the SPA calls with `fetch`: requires `X-CSRF: 1` on every method (a custom
 * header forces a CORS pre-flight that a cross-site page cannot pass) and refuses requests that the
 * browser marks as coming from another site (`Sec-Fetch-Site`) or another origin (`Origin`).
 * `hono/csrf` covers only form submissions of unsafe methods; this covers JSON and GETs too.
 */
export function requireCsrfHeader(origin: string): MiddlewareHandler {
  return async (c, next) => {
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      throw new BffError('csrf_failed', { detail: `Requests from ${site} contexts are refused.` });
    }
    const requestOrigin = c.req.header('origin');
    if (requestOrigin !== undefined && requestOrigin !== origin) {
      throw new BffError('csrf_failed', {
        detail: `The request comes from the origin ${JSON.stringify(requestOrigin)}; this BFF expects ${origin} (its baseUrl).`,
      });
    }
    if (c.req.header('x-csrf') !== '1') {
      throw new BffError('csrf_failed', { detail: 'The X-CSRF: 1 header is required.' });
    }
    await next();
  };
}
