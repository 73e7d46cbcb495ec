import * as oidc from 'openid-client';
import type { ResolvedConfig } from '../config.js';
import { newProcessDpopKey, type DpopKeyPair } from '../dpop/keys.js';
import type { Provider } from './oidc.js';
import type { StoredAccessToken } from '../sessions/session-store.js';
import { SingleFlight } from './single-flight.js';
import { checkDpopBound, isUsable, storedAccessToken, type IssuedToken } from './tokens.js';

type Api = ResolvedConfig['apis'][string];

/**
 * Tokens of the BFF itself (client-credentials grant) for APIs configured with `token: 'client'`,
 * cached per audience, scope set and binding until shortly before they expire; concurrent misses
 * share one grant. DPoP-bound ones are bound to one key of this process, which never leaves it.
 */
export interface ClientTokens {
  accessToken(api: Api, rejected?: string): Promise<IssuedToken>;
}

export function createClientTokens(config: ResolvedConfig, provider: Provider): ClientTokens {
  const cache = new Map<string, StoredAccessToken>();
  const flights = new SingleFlight<string, StoredAccessToken>();
  let processKey: Promise<DpopKeyPair> | undefined;
  const dpopKey = () =>
    (processKey ??= newProcessDpopKey().catch((error: unknown) => {
      processKey = undefined;
      throw error;
    }));

  return {
    async accessToken(api, rejected) {
      const key = JSON.stringify([api.resource ?? '', [...api.scopes].sort(), api.tokenBinding]);
      const proofKey = api.tokenBinding === 'dpop' ? await dpopKey() : undefined;
      const issued = (token: StoredAccessToken, refreshed: boolean): IssuedToken => ({
        token,
        refreshed,
        ...(proofKey ? { proofKey } : {}),
      });
      const cached = cache.get(key);
      if (isUsable(cached, config.refreshMargin, rejected)) return issued(cached, false);
      const token = await flights.run(key, async () => {
        const parameters: Record<string, string> = {};
        if (api.scopes.length > 0) parameters.scope = api.scopes.join(' ');
        if (api.resource !== undefined) parameters.resource = api.resource;
        const response = await provider.call('client_credentials_grant', async ({ configuration, dpop }) => {
          const response = await oidc.clientCredentialsGrant(configuration, parameters, proofKey && { DPoP: dpop(proofKey) });
          if (proofKey) checkDpopBound(response);
          return response;
        });
        const token = storedAccessToken(response);
        cache.set(key, token);
        return token;
      });
      return issued(token, true);
    },
  };
}
