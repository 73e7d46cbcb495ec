import { expect, type Page } from '@playwright/test';
import { locate, type PageLocator } from './idp-selectors.js';

/** How long the IdP's pages, and the app once back, may take by default, in ms. */
export const DEFAULT_IDP_TIMEOUT = 15_000;

/** Something an IdP page may ask for (consent, a one-time code), and how to answer it. */
export interface IdpPrompt {
  /** What the page shows when it asks: a field or a button. */
  shows: PageLocator;
  /** Answers it: fills in and clicks. */
  answer(): Promise<void>;
}

/** The prompt of a button to click whenever an IdP page shows it (consent, the sign-out confirmation). */
export function clickWhenShown(page: Page, button: PageLocator | undefined, timeout: number): IdpPrompt[] {
  return button === undefined ? [] : [{ shows: button, answer: () => locate(page, button).click({ timeout }) }];
}

/** The pages a `Page` loads from now on, until `stop()`. */
export interface PageLoads {
  /**
   * Resolves once a page that is not the IdP's (`idpOrigin`; without it, any page) has loaded,
   * answering the `prompts` that each IdP page on the way shows (the first one it shows, once a page).
   */
  untilLeft(idpOrigin: string | undefined, prompts: readonly IdpPrompt[], timeout: number): Promise<void>;
  /** Resolves once a page of `appOrigin` has loaded, answering the IdP's `prompts` on the way. */
  untilBackAt(appOrigin: string, prompts: readonly IdpPrompt[], timeout: number): Promise<void>;
  stop(): void;
}

/**
 * Starts watching the pages `page` loads. Loads, not URLs: right after a click the page still shows
 * the app (or the login form), and an IdP that redirects at once commits no page of its own.
 */
export function watchPageLoads(page: Page): PageLoads {
  const loaded: string[] = [];
  const onLoad = () => void loaded.push(page.url());
  page.on('load', onLoad);

  async function until(arrived: (url: URL) => boolean, prompts: readonly IdpPrompt[], timeout: number, failure: string) {
    // Once per loaded page: a second click while the first one's navigation runs would post twice.
    let answeredAt = 0;
    const done = async () => {
      const last = loaded.at(-1);
      if (last !== undefined && arrived(new URL(last))) return true;
      if (loaded.length > answeredAt) {
        for (const prompt of prompts) {
          if (!(await locate(page, prompt.shows).isVisible())) continue;
          const at = loaded.length;
          await prompt.answer();
          answeredAt = at;
          break;
        }
      }
      return false;
    };
    try {
      await expect.poll(done, { timeout, intervals: [50, 100, 250] }).toBe(true);
    } catch (error) {
      throw new Error(`${failure} within ${timeout} ms; it is at ${page.url()}.`, { cause: error });
    }
  }

  return {
    untilLeft: (idpOrigin, prompts, timeout) =>
      until(
        (url) => url.origin !== idpOrigin,
        prompts,
        timeout,
        idpOrigin === undefined ? 'No page loaded' : `The browser did not come back from the IdP (${idpOrigin})`,
      ),
    untilBackAt: (appOrigin, prompts, timeout) =>
      until((url) => url.origin === appOrigin, prompts, timeout, `The browser did not come back to the app (${appOrigin})`),
    stop: () => void page.off('load', onLoad),
  };
}
