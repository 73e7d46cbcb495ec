import * as oidc from 'openid-client';
import type { ResolvedConfig } from '../config.js';
import type { Provider } from './oidc.js';
import type { StoredAccessToken } from '../sessions/session-store.js';
import { SingleFlight } from './single-flight.js';
import { isUsable, storedAccessToken, type IssuedToken } from './tokens.js';

type Api = ResolvedConfig['apis'][string];

/**
 * Tokens of the BFF itself (client-credentials grant) for APIs configured with `token: 'client'`,
 * cached per audience and scope set until shortly before they expire; concurrent misses share one grant.
 */
export interface ClientTokens {
  accessToken(api: Api, rejected?: string): Promise<IssuedToken>;
}

export function createClientTokens(config: ResolvedConfig, provider: Provider): ClientTokens {
  const cache = new Map<string, StoredAccessToken>();
  const flights = new SingleFlight<string, StoredAccessToken>();

  return {
    async accessToken(api, rejected) {
      const key = JSON.stringify([api.resource ?? '', [...api.scopes].sort()]);
      const cached = cache.get(key);
      if (isUsable(cached, config.refreshMargin, rejected)) return { token: cached, refreshed: false };
      const token = await flights.run(key, async () => {
        const parameters: Record<string, string> = {};
        if (api.scopes.length > 0) parameters.scope = api.scopes.join(' ');
        if (api.resource !== undefined) parameters.resource = api.resource;
        const response = await provider.call('client_credentials_grant', ({ configuration }) =>
          oidc.clientCredentialsGrant(configuration, parameters),
        );
        const token = storedAccessToken(response);
        cache.set(key, token);
        return token;
      });
      return { token, refreshed: true };
    },
  };
}
