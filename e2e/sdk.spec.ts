import { expect, signIn, test } from './fixtures.js';
import { expireSessions } from './demo-stack.js';

test('signing out in one tab shows the other tab signed out within a second, without a reload', async ({ page, context }) => {
  await signIn(page, 'alice', 'alice-password');
  const other = await context.newPage();
  await other.goto('/');
  await expect(other.getByTestId('user-name')).toBeVisible();
  // A reload would wipe this out.
  await other.evaluate(() => {
    (window as Window & { notReloaded?: boolean }).notReloaded = true;
  });

  // Timed from the logout request: a click in a background tab is slow to start, and it waits for the
  // IdP's end-session page to load, neither of which is the SDK's doing.
  const logoutSent = page.waitForRequest((request) => new URL(request.url()).pathname === '/bff/logout');
  const signOut = page.getByTestId('sign-out').click();
  await logoutSent;
  await expect(other.getByTestId('sign-in')).toBeVisible({ timeout: 1000 });
  await expect(other.getByTestId('user-name')).toHaveCount(0);
  expect(await other.evaluate(() => (window as Window & { notReloaded?: boolean }).notReloaded)).toBe(true);
  await signOut;
});

test('a session the IdP ended while the page is open: the next call offers sign-in, with no request loop', async ({ page, stack }) => {
  await signIn(page, 'bob', 'bob-password');
  await expect(page.getByTestId('orders-list')).toBeAttached();

  const requests = { session: 0, api: 0 };
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname === '/bff/session') requests.session += 1;
    if (pathname.startsWith('/bff/api/')) requests.api += 1;
  });
  await expireSessions(stack, 'bob'); // from now on the BFF answers 401 session_expired

  await page.getByTestId('load-orders').click();
  await expect(page.getByTestId('sign-in')).toBeVisible();
  await expect(page.getByTestId('session-expired')).toBeVisible();
  await expect(page.getByTestId('user-name')).toHaveCount(0);

  // Long enough for any retry or refetch loop to show itself.
  await page.waitForTimeout(3000);
  expect(requests.api).toBeGreaterThanOrEqual(1); // the click did reach the BFF…
  expect(requests.session + requests.api).toBeLessThanOrEqual(3); // …and nothing went round in circles
});
