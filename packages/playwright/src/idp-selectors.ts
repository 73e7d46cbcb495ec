import type { Locator, Page } from '@playwright/test';

/**
 * Something on a page: a selector string (`'#username'`, `'input[name=password]'`, any selector
 * `page.locator()` takes), or a function of the page for `getByRole` and its kin.
 */
export type PageLocator = string | ((page: Page) => Locator);

/** The `Locator` that a {@link PageLocator} stands for on `page`. */
export function locate(page: Page, target: PageLocator): Locator {
  return typeof target === 'string' ? page.locator(target) : target(page);
}

/**
 * Where an OpenID Provider's own pages keep what a person fills in and clicks. {@link devIdp} is
 * Cloakroom's dev IdP; write one for yours (the package README has Keycloak's).
 */
export interface IdpSelectors {
  /** The login page's username (or email) field. */
  username: PageLocator;
  /** The login page's password field. */
  password: PageLocator;
  /** The login page's submit button. */
  submit: PageLocator;
  /**
   * The second-factor page's one-time code field, for an IdP that may ask for one (a sign-in that
   * asks for a stronger `acr`: step-up); the kit fills in the user's `oneTimeCode`.
   */
  oneTimeCode?: PageLocator;
  /** The second-factor page's submit button. */
  oneTimeCodeSubmit?: PageLocator;
  /** The consent page's button that grants access, for an IdP that may ask for consent. */
  consent?: PageLocator;
  /** The end-session page's button that confirms signing out, for an IdP that asks. */
  confirmSignOut?: PageLocator;
}

/** The pages of Cloakroom's dev IdP (`@cloakroom/idp`, on `oidc-provider`). */
export const devIdp: IdpSelectors = Object.freeze({
  username: 'input[name=username]',
  password: 'input[name=password]',
  submit: (page: Page) => page.getByRole('button', { name: 'Sign in' }),
  oneTimeCode: 'input[name=code]',
  oneTimeCodeSubmit: (page: Page) => page.getByRole('button', { name: 'Verify' }),
  consent: (page: Page) => page.getByRole('button', { name: 'Allow' }),
  confirmSignOut: (page: Page) => page.getByRole('button', { name: 'Sign out' }),
});
