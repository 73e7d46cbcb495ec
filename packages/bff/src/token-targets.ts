import type { ResolvedConfig } from './config.js';

type Api = ResolvedConfig['apis'][string];

const usesUserToken = (api: Api) => api.token === 'user' || api.token === 'user-optional';

/** Scopes asked for at sign-in: the configured ones plus those of every API that gets the user's token. */
export function loginScopes(config: ResolvedConfig): string[] {
  const apiScopes = Object.values(config.apis).filter(usesUserToken).flatMap((api) => api.scopes);
  return [...new Set([...config.scopes, ...apiScopes])];
}

/** Resource indicators of the APIs that get the user's token, in configuration order. */
export function userResources(config: ResolvedConfig): string[] {
  const resources = Object.values(config.apis)
    .filter(usesUserToken)
    .flatMap((api) => (api.resource === undefined ? [] : [api.resource]));
  return [...new Set(resources)];
}

/** The resource the authorization code is exchanged for; `''` when no API names one. */
export function loginResource(config: ResolvedConfig): string {
  return userResources(config)[0] ?? '';
}
