import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/** CSP directives of {@link appSecurityHeaders}, by their `hono/secure-headers` names. */
export type ContentSecurityPolicyDirectives = Record<string, string[]>;

/** The strict policy: the app's own scripts, styles and API only; no inline script or style, no framing. */
const STRICT_CSP: ContentSecurityPolicyDirectives = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/**
 * Security headers for the host app's pages (the SPA the BFF sits beside), the same the BFF's own
 * routes carry: a strict Content-Security-Policy without `'unsafe-inline'`, `nosniff`,
 * `frame-ancestors 'none'` with `X-Frame-Options: DENY`, `Referrer-Policy: no-referrer`. A cookie is
 * only as safe as the page that can use it: an XSS cannot read the session cookie, but it could call
 * the BFF from the page, which this policy makes much harder.
 *
 * `contentSecurityPolicy` replaces single directives (e.g. `{ imgSrc: ["'self'", 'https://cdn.example'] }`).
 * Not for a dev server with hot reload, which injects inline scripts.
 *
 * @example
 * app.route('/', createBff(config));
 * app.use('*', appSecurityHeaders());
 * app.use('*', serveStatic({ root: './dist' }));
 */
export function appSecurityHeaders(options: { contentSecurityPolicy?: ContentSecurityPolicyDirectives } = {}): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: { ...STRICT_CSP, ...options.contentSecurityPolicy },
    xFrameOptions: 'DENY',
    referrerPolicy: 'no-referrer',
    crossOriginResourcePolicy: 'same-origin',
  });
}
