import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  Fixtures,
  PlaywrightTestArgs,
  PlaywrightTestOptions,
  PlaywrightWorkerArgs,
  PlaywrightWorkerOptions,
  TestType,
  WorkerInfo,
} from '@playwright/test';
import { signInThroughIdp, type IdpUser, type SignInOptions } from './sign-in.js';

/** How {@link withSignedInUser} signs each worker in: {@link SignInOptions} but `user`. */
export interface SignedInUserOptions<TUser extends IdpUser = IdpUser> extends Omit<SignInOptions, 'user'> {
  /**
   * Who each worker signs in as: one account for all, or one per worker, chosen by its
   * `parallelIndex` (0 to workers − 1, kept by a worker that replaces a failed one), so that
   * parallel workers never share a session, nor sign each other out.
   */
  user: TUser | ((worker: WorkerInfo) => TUser);
}

/** The worker-scoped fixtures {@link withSignedInUser} adds. */
export interface SignedInUserFixtures<TUser extends IdpUser = IdpUser> {
  /**
   * The app the worker signs in to (`start` resolves against it). Default: the project's
   * `use.baseURL`. When the app's URL is known only at run time (a worker fixture starts the app),
   * override it with a worker fixture that depends on that one.
   */
  appURL: string;
  /** Who this worker is signed in as. */
  workerUser: TUser;
  /** The file of the worker's signed-in storage state, which every test of the worker starts from. */
  workerStorageState: string;
}

/**
 * `base` with every test starting signed in: each worker signs its user in once, through the IdP's
 * real pages in a fresh browser context, saves that context's storage state under the project's
 * `outputDir`, and every test of the worker starts from it (Playwright's "one account per parallel
 * worker" authentication). A test that must start signed out sets
 * `test.use({ storageState: { cookies: [], origins: [] } })`. Signing out in a test ends the
 * worker's session for the tests after it: sign in afresh in such a test.
 *
 * @example
 * export const test = withSignedInUser(base, { user: ({ parallelIndex }) => testUsers[parallelIndex]! });
 */
export function withSignedInUser<
  TUser extends IdpUser,
  T extends PlaywrightTestArgs & PlaywrightTestOptions,
  W extends PlaywrightWorkerArgs & PlaywrightWorkerOptions,
>(base: TestType<T, W>, options: SignedInUserOptions<TUser>): TestType<T, W & SignedInUserFixtures<TUser>> {
  const { user, ...signIn } = options;
  const fixtures: Fixtures<
    object,
    SignedInUserFixtures<TUser>,
    PlaywrightTestArgs & PlaywrightTestOptions,
    PlaywrightWorkerArgs & PlaywrightWorkerOptions
  > = {
    appURL: [
      // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
      async ({}, use, workerInfo) => {
        const { baseURL } = workerInfo.project.use;
        if (baseURL === undefined)
          throw new Error('withSignedInUser: set use.baseURL in the Playwright config, or override the appURL fixture.');
        await use(baseURL);
      },
      { scope: 'worker' },
    ],
    workerUser: [
      // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
      async ({}, use, workerInfo) => use(typeof user === 'function' ? user(workerInfo) : user),
      { scope: 'worker' },
    ],
    workerStorageState: [
      async ({ browser, appURL, workerUser }, use, workerInfo) => {
        // workerIndex, unlike parallelIndex, is never reused in a run: no worker finds another's file.
        const file = join(workerInfo.project.outputDir, '.auth', `worker-${workerInfo.workerIndex}.json`);
        const context = await browser.newContext({ baseURL: appURL, storageState: { cookies: [], origins: [] } });
        try {
          await signInThroughIdp(await context.newPage(), { ...signIn, user: workerUser });
          await context.storageState({ path: file });
        } finally {
          await context.close();
        }
        await use(file);
        // It holds a live session cookie.
        await rm(file, { force: true });
      },
      { scope: 'worker' },
    ],
    storageState: async ({ workerStorageState }, use) => use(workerStorageState),
  };
  // Written against Playwright's own fixtures, which every extension of its `test` has; TypeScript
  // cannot map an object literal onto the fixtures of a `base` it knows only as generic.
  return base.extend(fixtures);
}
