/**
 * `@cloakroom/playwright`: a Playwright login kit for apps behind a Cloakroom BFF. Sign in through
 * the IdP's real pages (once per worker, the storage state reused by every test of the worker),
 * sign in again with a second factor (step-up), read `{basePath}/session`, and sign out.
 * @packageDocumentation
 */
export { devIdp } from './idp-selectors.js';
export type { IdpSelectors, PageLocator } from './idp-selectors.js';
export { signInThroughIdp } from './sign-in.js';
export type { IdpUser, SignInOptions } from './sign-in.js';
export { stepUpThroughIdp } from './step-up.js';
export type { StepUpOptions } from './step-up.js';
export { readSession } from './session.js';
export type { BffOptions } from './bff-requests.js';
export { signOut } from './sign-out.js';
export type { SignOutOptions } from './sign-out.js';
export { withSignedInUser } from './signed-in-user.js';
export type { SignedInUserFixtures, SignedInUserOptions } from './signed-in-user.js';
