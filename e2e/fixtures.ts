import { devIdp, signInThroughIdp } from '@cloakroom/playwright';
import { expect, test as base, type Page } from '@playwright/test';
import { describeLeaks, SecretRegistry, startLogScan } from '@cloakroom/test-harness';
import { startDemoStack, type Stack, type StackOptions } from './demo-stack.js';

/**
 * `stack`: the demo stack, started once per worker (and again for a spec file that sets other
 * `stackOptions` with `test.use`); `baseURL` points at its app. While it runs, the secrets its BFF
 * exchanges with the IdP are recorded, and at the end nothing the worker wrote nor any line the BFF
 * logged may hold one (the run-wide log scan, as Vitest's setup file does for the unit tests).
 */
export const test = base.extend<{ baseURL: string }, { stack: Stack; stackOptions: StackOptions }>({
  stackOptions: [{ accessTokenTtl: 4 }, { scope: 'worker', option: true }],
  stack: [
    async ({ stackOptions }, use) => {
      const scan = startLogScan(new SecretRegistry());
      const stack = await startDemoStack(stackOptions);
      await use(stack);
      await stack.close();
      const leaks = scan.stop(stack.log);
      expect(leaks, describeLeaks(leaks)).toEqual([]);
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ stack }, use) => use(stack.app.url),
});

export { expect };

/**
 * Signs in from the app at `start` through the IdP's real login (and, the first time, consent)
 * pages with the kit, clicking the demo's sign-in button, until the demo shows the user's name.
 */
export async function signIn(page: Page, username: string, password: string, start = '/'): Promise<void> {
  await signInThroughIdp(page, {
    user: { username, password },
    idp: devIdp,
    start,
    signInControl: (app) => app.getByTestId('sign-in'),
    signedIn: (app) => app.getByTestId('user-name'),
  });
}
