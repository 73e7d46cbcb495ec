import { expect, type Page } from '@playwright/test';
import { locate, type PageLocator } from './idp-selectors.js';

/** How long the IdP's pages, and the app once back, may take by default, in ms. */
export const DEFAULT_IDP_TIMEOUT = 15_000;

/** The pages a `Page` loads from now on, until `stop()`. */
export interface PageLoads {
  /**
   * Resolves once a page that is not the IdP's (`idpOrigin`; without it, any page) has loaded,
   * clicking `confirm` on each IdP page that shows it (the consent page; the sign-out confirmation).
   */
  untilLeft(idpOrigin: string | undefined, confirm: PageLocator | undefined, timeout: number): Promise<void>;
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
  return {
    async untilLeft(idpOrigin, confirm, timeout) {
      // Once per loaded page: a second click while the first one's navigation runs would post twice.
      let confirmedAt = 0;
      const left = async () => {
        const last = loaded.at(-1);
        if (last !== undefined && new URL(last).origin !== idpOrigin) return true;
        if (confirm !== undefined && loaded.length > confirmedAt && (await locate(page, confirm).isVisible())) {
          const at = loaded.length;
          await locate(page, confirm).click({ timeout });
          confirmedAt = at;
        }
        return false;
      };
      try {
        await expect.poll(left, { timeout, intervals: [50, 100, 250] }).toBe(true);
      } catch (error) {
        const from = idpOrigin === undefined ? 'No page loaded' : `The browser did not come back from the IdP (${idpOrigin})`;
        throw new Error(`${from} within ${timeout} ms; it is at ${page.url()}.`, {
          cause: error,
        });
      }
    },
    stop: () => void page.off('load', onLoad),
  };
}
