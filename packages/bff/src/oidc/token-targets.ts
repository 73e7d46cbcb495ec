import type { ApiTokenBinding, ResolvedConfig } from '../config.js';

type Api = ResolvedConfig['apis'][string];

/** The API gets the user's token (not the BFF's own, or none). */
export const usesUserToken = (api: Api): boolean => api.token === 'user' || api.token === 'user-optional';

/**
 * Scopes asked for at sign-in: the configured ones plus those of every API that gets the user's
 * token. Default scopes (not configured ones) that the IdP's `scopes_supported` does not list are
 * dropped, since some IdPs refuse a whole request over one unknown scope; `openid` always stays.
 */
export function loginScopes(config: ResolvedConfig, supported?: readonly string[]): { scopes: string[]; dropped: string[] } {
  const apiScopes = Object.values(config.apis)
    .filter(usesUserToken)
    .flatMap((api) => api.scopes);
  const dropped =
    config.scopesAreDefault && supported ? config.scopes.filter((scope) => scope !== 'openid' && !supported.includes(scope)) : [];
  const scopes = [...new Set([...config.scopes.filter((scope) => !dropped.includes(scope)), ...apiScopes])];
  return { scopes, dropped };
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

/**
 * The binding of the user token kept for each resource (the config checks that the APIs sharing a
 * resource agree); a resource not listed gets bearer tokens.
 */
export function userTokenBindings(config: ResolvedConfig): ReadonlyMap<string, ApiTokenBinding> {
  const signIn = loginResource(config);
  return new Map(
    Object.values(config.apis)
      .filter(usesUserToken)
      .map((api) => [api.resource ?? signIn, api.tokenBinding]),
  );
}
