import type { LogoutResponse } from '@cloakroom/protocol';
import type { Locator, Page, Response } from '@playwright/test';
import { appUrl, CSRF_HEADER, DEFAULT_BASE_PATH, unexpectedAnswer, type BffOptions } from './bff-requests.js';
import { devIdp, locate, type IdpSelectors, type PageLocator } from './idp-selectors.js';
import { readSession } from './session.js';
import { clickWhenShown, DEFAULT_IDP_TIMEOUT, watchPageLoads } from './through-idp.js';

/** How {@link signOut} signs out. */
export interface SignOutOptions extends BffOptions {
  /** The IdP's pages: its `confirmSignOut` is clicked when the IdP asks. Default {@link devIdp}. */
  idp?: IdpSelectors;
  /**
   * The app's sign-out control, clicked as a person does; the kit then follows the app where it
   * goes (the IdP's end-session page and back, or its `returnTo`), so it is for an app that leaves
   * the page on sign-out, as `logout()` of `@cloakroom/client` does when the BFF answers with an
   * end-session URL or it was given a `returnTo`. Without one, the kit posts to `{basePath}/logout`
   * itself, as `logout()` does, and follows the end-session URL.
   */
  control?: PageLocator;
  /** Where the app should land once signed out, a path of the app; without `control` only. Default `/`. */
  returnTo?: string;
  /** How long each step may take, in ms (the BFF's answer, the IdP's pages). Default 15 000. */
  timeout?: number;
}

/** `POST {basePath}/logout` with the page's cookies and the anti-CSRF header: the IdP's end-session URL, if any. */
async function postLogout(page: Page, basePath: string, returnTo: string | undefined, timeout: number): Promise<string | null> {
  const query = returnTo === undefined ? '' : `?${new URLSearchParams({ returnTo })}`;
  const url = appUrl(page, `${basePath}/logout${query}`);
  const response = await page.request.post(url, { headers: CSRF_HEADER, timeout });
  if (!response.ok()) throw await unexpectedAnswer(`POST ${url}`, response);
  return ((await response.json()) as LogoutResponse).endSessionUrl;
}

/**
 * Clicks the app's sign-out control and resolves, once the BFF has answered, with where the app
 * goes next. Not from the answer: its body is gone once the app has navigated away.
 */
async function clickSignOut(page: Page, control: Locator, basePath: string, timeout: number): Promise<URL> {
  const isLogout = (response: Response) =>
    response.request().method() === 'POST' && new URL(response.url()).pathname === `${basePath}/logout`;
  const navigation = page.waitForRequest((request) => request.isNavigationRequest() && request.frame() === page.mainFrame(), { timeout });
  void navigation.catch(() => undefined); // awaited below, unless the BFF's answer throws first
  const [response] = await Promise.all([page.waitForResponse(isLogout, { timeout }), control.click({ timeout })]);
  if (!response.ok()) throw await unexpectedAnswer(`POST ${response.url()}`, response);
  return new URL((await navigation).url());
}

/**
 * Signs the browser context out the way the app does: ends the BFF session (`POST
 * {basePath}/logout`, or a click on the app's own control), then signs out at the IdP through its
 * end-session page when the BFF answers with one, back to the app. Throws unless
 * `{basePath}/session` then answers signed out.
 *
 * @example
 * await signOut(page);
 * expect(await readSession(page)).toEqual({ authenticated: false });
 */
export async function signOut(page: Page, options: SignOutOptions = {}): Promise<void> {
  const { basePath = DEFAULT_BASE_PATH, idp = devIdp, control, returnTo, timeout = DEFAULT_IDP_TIMEOUT } = options;
  const loads = watchPageLoads(page);
  const confirm = clickWhenShown(page, idp.confirmSignOut, timeout);
  try {
    if (control !== undefined) {
      const appOrigin = new URL(page.url()).origin;
      const next = await clickSignOut(page, locate(page, control), basePath, timeout);
      await loads.untilLeft(next.origin === appOrigin ? undefined : next.origin, confirm, timeout);
    } else {
      const endSessionUrl = await postLogout(page, basePath, returnTo, timeout);
      await page.goto(endSessionUrl ?? appUrl(page, returnTo ?? '/'));
      if (endSessionUrl !== null) await loads.untilLeft(new URL(endSessionUrl).origin, confirm, timeout);
    }
  } finally {
    loads.stop();
  }
  const session = await readSession(page, { basePath });
  if (session.authenticated) throw new Error(`Signed out, yet the app at ${page.url()} is still signed in.`);
}
