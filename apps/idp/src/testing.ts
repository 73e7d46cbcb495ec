/**
 * `@cloakroom/idp/testing`: drive sign-in flows from tests without a browser.
 * @packageDocumentation
 */
export { TestBrowser } from './testing/test-browser.js';
export type { BrowserRequestInit, FollowedResponse } from './testing/test-browser.js';
export { CookieJar } from './testing/cookie-jar.js';
export type { CookieRequestContext, StoredCookie } from './testing/cookie-jar.js';
export { parseForms } from './testing/html-form.js';
export type { HtmlForm } from './testing/html-form.js';
export { signIn, submitForm } from './testing/sign-in.js';
export type { Page, SignInOptions, SignInResult, SubmitFormOptions } from './testing/sign-in.js';
/** The dev IdP's private signing key (a JWK), for tests that must sign what the IdP would sign. */
export { processSigningKey as idpSigningKey } from './keys.js';
export { clientToken, decodeJwt, revokeToken, userTokens } from './testing/tokens.js';
export type { ClientTokenOptions, UserTokenOptions } from './testing/tokens.js';
export { dpopProof, generateDpopKey } from './testing/dpop.js';
export type { DpopKey, DpopProofOptions } from './testing/dpop.js';
