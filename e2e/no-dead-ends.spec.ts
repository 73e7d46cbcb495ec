import { expect, test } from './fixtures.js';
import { deadEndScenarios } from './dead-ends.js';

// The dead-end scenarios against the demo served production-style (`pnpm start`); the same run on the
// Vite dev server in no-dead-ends-vite.spec.ts.
deadEndScenarios('static');

test('the static demo sends strict security headers, and an unknown BFF path is a 404, not the SPA', async ({ page }) => {
  const response = (await page.goto('/'))!;
  const headers = response.headers();
  expect(headers['content-security-policy']).toContain("script-src 'self'");
  expect(headers['content-security-policy']).not.toContain('unsafe-inline');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  await expect(page.getByRole('heading', { name: 'Cloakroom demo' })).toBeVisible(); // the app runs under that CSP

  const unknown = await page.request.get('/bff/no-such-route', { headers: { 'x-csrf': '1' } });
  expect(unknown.status()).toBe(404);
  expect(await unknown.json()).toMatchObject({ code: 'not_found' });
});
