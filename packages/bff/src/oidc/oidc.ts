import { createRemoteJWKSet, customFetch as joseCustomFetch, type JWTVerifyGetKey } from 'jose';
import * as oidc from 'openid-client';
import { clientAuthentication } from './client-auth.js';
import { ConfigError, type ResolvedConfig } from '../config.js';
import { BffError } from '../errors.js';
import { idpError, idpFailureFacts, OPERATION_ENDPOINT, readIdpFailureFacts, type IdpOperation } from './idp-errors.js';
import type { DpopKeyPair } from '../dpop/keys.js';
import type { Logger } from '../logger.js';
import { checkMetadata, type ProviderProfile } from './provider-metadata.js';

/**
 * Minimum time between two fetches of the IdP's key set caused by an unknown `kid`: an IdP that
 * rotated its keys is followed within seconds, and forged tokens with random `kid`s cannot make the
 * BFF hammer the IdP.
 */
const JWKS_REFETCH_COOLDOWN_MS = 5_000;

/** The IdP as discovered and checked against the configuration. */
export interface DiscoveredProvider extends ProviderProfile {
  configuration: oidc.Configuration;
  /**
   * A DPoP handle (RFC 9449) for one request to the IdP with `key` (as `{ DPoP }` of a grant): its
   * proofs carry the nonce the IdP last handed out, to whichever key, and openid-client retries once
   * on `use_dpop_nonce`.
   */
  dpop: (key: DpopKeyPair) => oidc.DPoPHandle;
}

/**
 * The OpenID Provider as the BFF sees it: discovered on first use (or at {@link Provider.ready}), its
 * metadata checked against the configuration. A failed discovery is not cached, so the BFF may start
 * before the IdP and recover when it comes up.
 */
export interface Provider {
  /** The discovered provider; throws the mapped {@link BffError} (after one log line) when it cannot be had. */
  discover(): Promise<DiscoveredProvider>;
  /** Discovers now; throws a {@link ConfigError} naming a mismatch, or `503 idp_unavailable`. */
  ready(): Promise<void>;
  /**
   * Runs one exchange with the IdP. A failure is logged once (issuer, endpoint, status, OAuth error
   * and description, the library's message) and thrown as the catalogued {@link BffError}.
   */
  call<T>(operation: IdpOperation, exchange: (provider: DiscoveredProvider) => Promise<T>): Promise<T>;
  /** The IdP's signing keys (`jwks_uri`), cached by jose; an unknown `kid` refetches at once, rate-limited. */
  keys(): Promise<JWTVerifyGetKey>;
}

/** Told of each IdP failure as the catalogue mapped it, e.g. to count it (the BFF's telemetry). */
export type IdpFailureListener = (operation: IdpOperation, error: BffError) => void;

export function createProvider(config: ResolvedConfig, fetchImpl: typeof fetch, logger: Logger, onFailure?: IdpFailureListener): Provider {
  const discoveryUrl = `${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  // The latest DPoP nonce of each IdP origin (RFC 9449 §8). A nonce is the server's, not the key's:
  // shared, it spares each new session's key its own `use_dpop_nonce` round trip.
  const dpopNonces = new Map<string, string>();
  const options: oidc.DiscoveryRequestOptions = {
    // Every request to the IdP, discovery included, gives up after `timeouts.idp` milliseconds
    // (this signal replaces openid-client's own, whose `timeout` counts whole seconds).
    [oidc.customFetch]: async (url, init) => {
      const response = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(config.timeouts.idp) } as RequestInit);
      const nonce = response.headers.get('dpop-nonce');
      if (nonce !== null) dpopNonces.set(new URL(url).origin, nonce);
      return response;
    },
    ...(config.insecureIssuer ? { execute: [oidc.allowInsecureRequests] } : {}),
  };
  const discover = async (): Promise<DiscoveredProvider> => {
    const auth = await clientAuthentication(config);
    let configuration: oidc.Configuration;
    try {
      configuration = await oidc.discovery(new URL(config.issuer), config.clientId, auth.metadata, auth.method, options);
    } catch (error) {
      throw discoveryConfigError(error, config.issuer, discoveryUrl) ?? error;
    }
    const profile = checkMetadata(config, configuration.serverMetadata());
    if (profile.droppedScopes.length > 0) {
      logger.warn('default scopes the identity provider does not support are not requested', {
        issuer: config.issuer,
        scopes: profile.droppedScopes,
      });
    }
    const dpop = (key: DpopKeyPair) =>
      oidc.getDPoPHandle(configuration, key, {
        [oidc.modifyAssertion]: (_header, payload) => {
          if (typeof payload.htu === 'string') payload.nonce ??= dpopNonces.get(new URL(payload.htu).origin);
        },
      });
    return { ...profile, configuration, dpop };
  };

  let pending: Promise<DiscoveredProvider> | undefined;
  const discoverOnce = () => {
    pending ??= discover().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
  const fail = async (operation: IdpOperation, error: unknown, discovered?: DiscoveredProvider): Promise<unknown> => {
    const facts = await readIdpFailureFacts(error);
    const mapped = idpError(error, operation, facts);
    if (mapped !== error) {
      const metadata = discovered?.configuration.serverMetadata() as Record<string, unknown> | undefined;
      const endpoint = operation === 'discovery' ? discoveryUrl : metadata?.[OPERATION_ENDPOINT[operation]];
      logger.warn('identity provider request failed', { issuer: config.issuer, operation, endpoint, ...facts });
      if (mapped instanceof BffError) onFailure?.(operation, mapped);
    }
    return mapped;
  };
  const discovered = () =>
    discoverOnce().catch(async (error: unknown) => {
      throw await fail('discovery', error);
    });

  let keys: JWTVerifyGetKey | undefined;
  return {
    discover: discovered,
    async ready() {
      await discoverOnce().catch(async (error: unknown) => {
        throw error instanceof ConfigError ? error : await fail('discovery', error);
      });
    },
    async call(operation, exchange) {
      const provider = await discovered();
      try {
        return await exchange(provider);
      } catch (error) {
        throw await fail(operation, error, provider);
      }
    },
    async keys() {
      if (keys) return keys;
      const { jwksUri } = await discovered();
      keys = createRemoteJWKSet(new URL(jwksUri), {
        timeoutDuration: config.timeouts.idp,
        cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
        [joseCustomFetch]: (url, init) => fetchImpl(url, init),
      });
      return keys;
    },
  };
}

/**
 * Discovery answers that mean the configuration is wrong rather than the IdP down: another issuer
 * identifier than configured (`localhost` vs `127.0.0.1`, a missing trailing slash), or no discovery
 * document at that address (a 4xx).
 */
function discoveryConfigError(error: unknown, issuer: string, discoveryUrl: string): ConfigError | undefined {
  if (error instanceof oidc.ClientError && error.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED') {
    const body = (error.cause as { body?: { issuer?: unknown } } | undefined)?.body;
    return new ConfigError(
      'issuer',
      `is ${JSON.stringify(issuer)}, but the identity provider calls itself ${JSON.stringify(body?.issuer)}; configure its exact spelling`,
    );
  }
  const { status } = idpFailureFacts(error);
  if (status !== undefined && status >= 400 && status < 500) {
    return new ConfigError('issuer', `has no OpenID Connect discovery document (HTTP ${status} from ${discoveryUrl})`);
  }
  return undefined;
}
