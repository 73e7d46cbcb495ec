import { expect, type Page } from '@playwright/test';
import { afterLoginPrompts, loginPrompt } from './idp-prompts.js';
import { devIdp, locate, type IdpSelectors, type PageLocator } from './idp-selectors.js';
import type { IdpUser } from './sign-in.js';
import { DEFAULT_IDP_TIMEOUT, watchPageLoads } from './through-idp.js';

/** How {@link stepUpThroughIdp} signs in again. */
export interface StepUpOptions {
  /** Who is signed in: the kit answers the IdP's second-factor page with `oneTimeCode`, and its login form, if it asks again. */
  user: IdpUser;
  /** The IdP's pages, with `oneTimeCode` and `oneTimeCodeSubmit` for a second factor. Default {@link devIdp}. */
  idp?: IdpSelectors;
  /**
   * The app's control that sends the browser to the IdP: the action that needs the stronger sign-in
   * (an app that calls `login({ ...error.stepUp })` on `step_up_required`), or a "verify" button.
   */
  control: PageLocator;
  /** What the app shows once back, waited for. Without it, the kit resolves once a page of the app has loaded. */
  done?: PageLocator;
  /** How long each step may take, in ms (the IdP's pages, the app once back). Default 15 000. */
  timeout?: number;
}

/**
 * Signs a signed-in user in again the way a person does when an API asks for more (step-up
 * authentication, RFC 9470) or for a recent sign-in (`prompt=login`, `max_age`): clicks `control` in
 * the app, answers the IdP's pages on the way (the login form if it asks again, the second factor,
 * consent) and waits until the browser is back in the app.
 *
 * @example
 * await stepUpThroughIdp(page, {
 *   user: { username: 'alice', password: 'alice-password', oneTimeCode: '123456' },
 *   control: (app) => app.getByRole('button', { name: 'Transfer' }),
 *   done: (app) => app.getByText('Transfer sent'),
 * });
 */
export async function stepUpThroughIdp(page: Page, options: StepUpOptions): Promise<void> {
  const { user, idp = devIdp, control, done, timeout = DEFAULT_IDP_TIMEOUT } = options;
  const appOrigin = new URL(page.url()).origin;
  const loads = watchPageLoads(page);
  try {
    await locate(page, control).click({ timeout });
    await loads.untilBackAt(appOrigin, [loginPrompt(page, idp, user, timeout), ...afterLoginPrompts(page, idp, user, timeout)], timeout);
  } finally {
    loads.stop();
  }
  if (done !== undefined) await expect(locate(page, done)).toBeVisible({ timeout });
}
