// oidc-provider ships no types; this pulls our declarations into any program that imports the IdP.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./oidc-provider.d.ts" />

/**
 * `@cloakroom/idp`: the embedded development OpenID Provider, with demo users and clients.
 * @packageDocumentation
 */
export { startIdp } from './start-idp.js';
export type { GrantCounts, IdpOptions, RunningIdp } from './start-idp.js';
export {
  DEMO_BFF_ORIGIN,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  OIDC_SCOPES,
  TOKEN_SPA_CLIENT_ID,
  TOKEN_SPA_ORIGIN,
  allowsBrowserOrigin,
  bffClient,
  publicSpaClient,
} from './clients.js';
export type { BffClientOptions, BrowserOriginClient, PublicSpaClientOptions } from './clients.js';
export { DEFAULT_RESOURCE_SERVERS, ORDERS_API, REPORTS_API } from './resource-servers.js';
export { generateSigningKey } from './keys.js';
export type { ResourceServerConfig, ResourceServers } from './resource-servers.js';
export { ALICE, BOB, DEMO_USERS, MFA_ACR, PASSWORD_ACR, authenticate } from './users.js';
export type { DemoUser } from './users.js';
export type { ClientMetadata, Provider } from 'oidc-provider';
