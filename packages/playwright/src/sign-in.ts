import { expect, type Page } from '@playwright/test';
import { DEFAULT_BASE_PATH, type BffOptions } from './bff-requests.js';
import { devIdp, locate, type IdpSelectors, type PageLocator } from './idp-selectors.js';
import { readSession } from './session.js';
import { afterLoginPrompts } from './idp-prompts.js';
import { DEFAULT_IDP_TIMEOUT, watchPageLoads } from './through-idp.js';

/** An account at the IdP. */
export interface IdpUser {
  username: string;
  password: string;
  /**
   * The user's second factor, for an IdP that asks for a one-time code (`IdpSelectors.oneTimeCode`):
   * the dev IdP's demo users have a fixed one (`DemoUser.oneTimeCode` of `@cloakroom/idp`).
   */
  oneTimeCode?: string | undefined;
}

/** How {@link signInThroughIdp} signs in. */
export interface SignInOptions extends BffOptions {
  /** Who signs in. */
  user: IdpUser;
  /** The IdP's pages. Default {@link devIdp}. */
  idp?: IdpSelectors;
  /**
   * Where in the app sign-in starts and comes back to: a path (resolved against the context's
   * `baseURL`) or a URL. Default `/`.
   */
  start?: string;
  /**
   * The app's sign-in control, clicked on `start`. Without one the kit goes straight to
   * `{basePath}/login?returnTo={start}`, where the app's `login()` sends the browser.
   */
  signInControl?: PageLocator;
  /**
   * What the app shows once signed in (its user menu, say), waited for back in the app. Without
   * it, `{basePath}/session` must answer authenticated once the app has loaded.
   */
  signedIn?: PageLocator;
  /** How long each step may take, in ms (the IdP's pages, the app once back). Default 15 000. */
  timeout?: number;
}

/** `{basePath}/login` with `start` (a path, or the path of a URL) as `returnTo`. */
function loginUrl(start: string, basePath: string): string {
  if (!URL.canParse(start)) return `${basePath}/login?${new URLSearchParams({ returnTo: start })}`;
  const url = new URL(start);
  const returnTo = `${url.pathname}${url.search}${url.hash}`;
  return new URL(`${basePath}/login?${new URLSearchParams({ returnTo })}`, url.origin).href;
}

/**
 * Signs `user` in the way a person does: from the app, through the IdP's real login page (and its
 * second-factor and consent pages when it asks), back to the app, signed in. The browser context must not be signed
 * in at the IdP already (a fresh context is not).
 *
 * @example
 * await signInThroughIdp(page, { user: { username: 'alice', password: 'alice-password' } });
 */
export async function signInThroughIdp(page: Page, options: SignInOptions): Promise<void> {
  const { user, idp = devIdp, start = '/', signInControl, signedIn, basePath = DEFAULT_BASE_PATH, timeout = DEFAULT_IDP_TIMEOUT } = options;
  if (signInControl === undefined) {
    await page.goto(loginUrl(start, basePath));
  } else {
    await page.goto(start);
    await locate(page, signInControl).click({ timeout });
  }
  await locate(page, idp.username).fill(user.username, { timeout });
  const idpOrigin = new URL(page.url()).origin;
  await locate(page, idp.password).fill(user.password, { timeout });
  const loads = watchPageLoads(page);
  try {
    await locate(page, idp.submit).click({ timeout });
    await loads.untilLeft(idpOrigin, afterLoginPrompts(page, idp, user, timeout), timeout);
  } finally {
    loads.stop();
  }
  if (signedIn !== undefined) {
    await expect(locate(page, signedIn)).toBeVisible({ timeout });
    return;
  }
  const session = await readSession(page, { basePath });
  if (!session.authenticated) throw new Error(`${user.username} signed in at the IdP, but the app at ${page.url()} is signed out.`);
}
