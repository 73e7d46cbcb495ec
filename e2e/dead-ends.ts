import { devIdp, signOut } from '@cloakroom/playwright';
import type { Page } from '@playwright/test';
import { expect, signIn, test } from './fixtures.js';
import { startDemoStack } from './demo-stack.js';

/**
 * Every path a person can click through sign-in and sign-out ends on a page of the app, with a
 * readable message when something failed, never on a JSON body.
 */

/** The page shows the app (not a JSON body), and `cloakroom_error` is gone from its address. */
async function expectAppPage(page: Page) {
  await expect(page.getByRole('heading', { name: 'Cloakroom demo' })).toBeVisible();
  expect(await page.locator('body').innerText()).not.toMatch(/^\s*\{/);
  await expect.poll(() => new URL(page.url()).searchParams.has('cloakroom_error')).toBe(false);
}

/** The scenarios, declared in the calling spec file, against the demo served the `server` way. */
export function deadEndScenarios(server: 'static' | 'vite'): void {
  test.describe(server === 'static' ? 'served production-style (pnpm start)' : 'on the Vite dev server (pnpm dev)', () => {
    test('signing out from a page that requires sign-in signs out at the IdP too', async ({ page, stack }) => {
      await signIn(page, 'alice', 'alice-password');
      await page.getByRole('link', { name: 'Profile' }).click();
      await expect(page.getByTestId('profile')).toBeVisible();

      // A slow IdP (as over a real network): the end-session navigation is still pending when the app
      // re-renders signed out, which is when <RequireAuth redirectToLogin> used to start a sign-in.
      await page.route(`${stack.idp.issuer}/session/end**`, async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        await route.continue().catch(() => undefined); // a navigation that lost the race is gone
      });
      await page.getByTestId('sign-out').click();
      // The end-session page of the IdP, not a new sign-in started by <RequireAuth redirectToLogin>.
      await page.waitForURL((url) => url.href.startsWith(`${stack.idp.issuer}/session/end`));
      await page.getByRole('button', { name: 'Sign out' }).click();
      await expect(page.getByTestId('sign-in')).toBeVisible();

      // Signed out at the IdP: the next sign-in asks for the password again.
      await page.getByTestId('sign-in').click();
      await expect(page.locator('input[name=password]')).toBeVisible();
    });

    test('Back after signing out, and a replayed logout callback, land on the app signed out', async ({ page }) => {
      const callbacks: string[] = [];
      page.on('request', (request) => {
        if (request.url().includes('/bff/logout/callback')) callbacks.push(request.url());
      });
      await signIn(page, 'bob', 'bob-password');
      // Through the user menu and the IdP's confirmation page, back on the app.
      await signOut(page, { control: (app) => app.getByTestId('sign-out'), idp: devIdp });
      await expect(page.getByTestId('sign-in')).toBeVisible();
      expect(callbacks).toHaveLength(1);

      await page.goBack();
      await page.goForward();
      await expectAppPage(page);
      await page.goto(callbacks[0]!);
      await expectAppPage(page);
      await expect(page.getByTestId('sign-in')).toBeVisible();
    });

    test('a replayed sign-in callback shows a readable message and keeps the session', async ({ page }) => {
      const callbacks: string[] = [];
      page.on('request', (request) => {
        if (request.url().includes('/bff/callback')) callbacks.push(request.url());
      });
      await signIn(page, 'alice', 'alice-password');
      await page.goto(callbacks.at(-1)!);
      await expectAppPage(page);
      await expect(page.getByTestId('login-error')).toContainText('could not be completed');
      await expect(page.getByTestId('user-name')).toHaveText('Alice Anderson');
      await page.getByTestId('dismiss-login-error').click();
      await expect(page.getByTestId('login-error')).toHaveCount(0);
    });

    test('a callback with a forged state shows a readable message, signed out', async ({ page, baseURL }) => {
      await page.goto('/');
      await page.getByTestId('sign-in').click();
      await expect(page.locator('input[name=password]')).toBeVisible();
      // The login transaction cookie is set; an attacker's callback URL carries another state.
      await page.goto(`${baseURL}/bff/callback?code=stolen-code&state=forged-state`);
      await expectAppPage(page);
      await expect(page.getByTestId('login-error')).toContainText('could not be completed');
      await expect(page.getByTestId('sign-in')).toBeVisible();
    });

    test('cancelling at the IdP (error=access_denied) shows a readable message', async ({ page }) => {
      await page.goto('/');
      await page.getByTestId('sign-in').click();
      await page.getByRole('button', { name: 'Cancel' }).click();
      await expectAppPage(page);
      await expect(page.getByTestId('login-error')).toContainText('cancelled or refused');
      await expect(page.getByTestId('sign-in')).toBeVisible();
    });

    test('signing in while the IdP is down shows a readable message', async ({ page }) => {
      const down = await startDemoStack({ server });
      try {
        await down.idp.close();
        await page.goto(down.app.url);
        await page.getByTestId('sign-in').click();
        await expectAppPage(page);
        await expect(page.getByTestId('login-error')).toContainText('cannot be reached');
      } finally {
        await down.close().catch(() => undefined); // the IdP is closed already
      }
    });

    test('signing in works when the app was opened at 127.0.0.1 instead of localhost', async ({ page, stack }) => {
      const port = new URL(stack.app.url).port;
      await signIn(page, 'alice', 'alice-password', `http://127.0.0.1:${port}/`);
      await expect(page.getByTestId('user-name')).toHaveText('Alice Anderson');
      expect(new URL(page.url()).origin).toBe(stack.app.url);
    });
  });
}
