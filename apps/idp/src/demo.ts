// oidc-provider ships no types; clients.ts names one of them.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./oidc-provider.d.ts" />

/**
 * `@cloakroom/idp/demo`: the demo clients' ids, origins and secret and the demo APIs' resource
 * indicators, without loading the OpenID Provider itself (for the demo BFF, the comparison SPA and the
 * docs).
 */
export { DEMO_BFF_ORIGIN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, TOKEN_SPA_CLIENT_ID, TOKEN_SPA_ORIGIN } from './clients.js';
export { ORDERS_API, REPORTS_API } from './resource-servers.js';
