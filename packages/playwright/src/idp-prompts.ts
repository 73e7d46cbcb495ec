import type { Page } from '@playwright/test';
import { locate, type IdpSelectors } from './idp-selectors.js';
import type { IdpUser } from './sign-in.js';
import { clickWhenShown, type IdpPrompt } from './through-idp.js';

/** The login form, filled in with `user`'s username and password and submitted, when the IdP shows it. */
export function loginPrompt(page: Page, idp: IdpSelectors, user: IdpUser, timeout: number): IdpPrompt {
  return {
    shows: idp.password,
    async answer() {
      // An IdP that knows who signs in again may show the username read-only, or not at all.
      const username = locate(page, idp.username);
      if ((await username.isVisible()) && (await username.isEditable())) await username.fill(user.username, { timeout });
      await locate(page, idp.password).fill(user.password, { timeout });
      await locate(page, idp.submit).click({ timeout });
    },
  };
}

/**
 * What the kit answers on the IdP's pages after the login form: the second-factor page (when `idp`
 * has one and `user` a `oneTimeCode`) and the consent page.
 */
export function afterLoginPrompts(page: Page, idp: IdpSelectors, user: IdpUser, timeout: number): IdpPrompt[] {
  const { oneTimeCode: field, oneTimeCodeSubmit: submit } = idp;
  const { oneTimeCode } = user;
  const secondFactor: IdpPrompt[] =
    field === undefined || submit === undefined || oneTimeCode === undefined
      ? []
      : [
          {
            shows: field,
            async answer() {
              await locate(page, field).fill(oneTimeCode, { timeout });
              await locate(page, submit).click({ timeout });
            },
          },
        ];
  return [...secondFactor, ...clickWhenShown(page, idp.consent, timeout)];
}
