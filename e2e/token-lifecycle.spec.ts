import { expect, signIn, test } from './fixtures.js';

test('an access token that expired while the page was open is refreshed silently', async ({ page, stack }) => {
  await signIn(page, 'alice', 'alice-password');
  await expect(page.getByTestId('orders-list')).toBeAttached();
  const grants = stack.idp.counts.refreshTokenGrants;

  // Past the access token's lifetime (4 s in the end-to-end stack).
  await page.waitForTimeout(5_000);
  const ordersCall = page.waitForResponse((response) => response.url().includes('/bff/api/orders/orders'));
  await page.getByTestId('load-orders').click();
  expect((await ordersCall).status()).toBe(200);
  await expect(page.getByTestId('orders-list')).toBeAttached();
  await expect(page.getByTestId('error')).toHaveCount(0);
  await expect(page.getByTestId('user-name')).toHaveText('Alice Anderson');
  expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
  expect(stack.log.join('\n')).not.toMatch(/eyJ[\w-]+\.eyJ/);
});

test('signing out at the IdP in another tab signs the app out (back-channel logout)', async ({ page, context, stack }) => {
  await signIn(page, 'bob', 'bob-password');
  await expect(page.getByTestId('orders-list')).toBeAttached();

  const idpTab = await context.newPage();
  await idpTab.goto(`${stack.idp.issuer}/session/end`);
  await idpTab.getByRole('button', { name: 'Sign out' }).click();
  await expect(idpTab.locator('body')).toContainText(/signed out/i);
  await expect.poll(() => stack.store.idsBySub('bob')).toEqual([]);

  await page.bringToFront();
  await page.getByTestId('load-orders').click();
  await expect(page.getByTestId('sign-in')).toBeVisible();
});
