import { expect, signIn, test } from './fixtures.js';

// Sessions that end 6 seconds after sign-in (idle and absolute), so one ends while the page is open.
test.use({ stackOptions: { accessTokenTtl: 4, idleTimeout: 6, absoluteLifetime: 6 } });

test('a session that ends on its own while the page is idle: the SDK notices at expiresAt, once', async ({ page }) => {
  await signIn(page, 'alice', 'alice-password');
  await expect(page.getByTestId('session-expiry')).toBeVisible();

  const sessionChecks: number[] = [];
  const apiCalls: string[] = [];
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname === '/bff/session') sessionChecks.push(Date.now());
    if (pathname.startsWith('/bff/api/')) apiCalls.push(pathname);
  });

  // Nobody touches the page: the client's own timer re-checks the session when it ends.
  await expect(page.getByTestId('sign-in')).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId('user-name')).toHaveCount(0);
  await page.waitForTimeout(3000); // room for a loop to show itself
  expect(sessionChecks.length).toBe(1);
  expect(apiCalls).toEqual([]);
});
