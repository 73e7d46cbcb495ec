import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { appSecurityHeaders } from '../../src/app-security-headers.js';

describe('appSecurityHeaders', () => {
  const page = (options?: Parameters<typeof appSecurityHeaders>[0]) =>
    new Hono()
      .use('*', appSecurityHeaders(options))
      .get('/', (c) => c.html('<p>app</p>'))
      .request('/');

  it('sends a strict CSP without unsafe-inline, nosniff, no framing and no referrer', async () => {
    const { headers } = await page();
    const csp = headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('x-frame-options')).toBe('DENY');
    expect(headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('lets one directive be replaced, keeping the others', async () => {
    const csp = (await page({ contentSecurityPolicy: { imgSrc: ["'self'", 'https://cdn.example'] } })).headers.get(
      'content-security-policy',
    )!;
    expect(csp).toContain("img-src 'self' https://cdn.example");
    expect(csp).toContain("script-src 'self'");
  });
});
