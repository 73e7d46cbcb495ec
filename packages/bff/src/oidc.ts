import { createRemoteJWKSet, customFetch as joseCustomFetch, type JWTVerifyGetKey } from 'jose';
import * as oidc from 'openid-client';
import type { ResolvedConfig } from './config.js';
import { BffError } from './errors.js';

/**
 * The OpenID Provider as the BFF sees it: the openid-client Configuration, discovered on first use.
 * A failed discovery is not cached, so the BFF may start before the IdP and recover when it comes up.
 */
export interface Provider {
  /** The discovered configuration; throws `503 idp_unavailable` while the IdP cannot be reached. */
  configuration(): Promise<oidc.Configuration>;
  /** The IdP's signing keys (`jwks_uri`), cached by jose; an unknown `kid` refetches, rate-limited. */
  keys(): Promise<JWTVerifyGetKey>;
}

export function createProvider(config: ResolvedConfig, fetchImpl: typeof fetch): Provider {
  let pending: Promise<oidc.Configuration> | undefined;
  const discover = () =>
    oidc.discovery(
      new URL(config.issuer),
      config.clientId,
      { client_secret: config.clientSecret, token_endpoint_auth_method: 'client_secret_basic' },
      oidc.ClientSecretBasic(config.clientSecret),
      {
        // Every request to the IdP, discovery included, gives up after `timeouts.idp` milliseconds
        // (this signal replaces openid-client's own, whose `timeout` counts whole seconds).
        [oidc.customFetch]: (url, options) => fetchImpl(url, { ...options, signal: AbortSignal.timeout(config.timeouts.idp) } as RequestInit),
        execute: [
          // ID tokens are verified against the IdP's JWKS even though they arrive over the back channel.
          oidc.enableNonRepudiationChecks,
          ...(config.insecureIssuer ? [oidc.allowInsecureRequests] : []),
        ],
      },
    );
  let keys: JWTVerifyGetKey | undefined;
  const configuration = () => {
    pending ??= discover().catch((error: unknown) => {
      pending = undefined;
      throw asIdpError(error);
    });
    return pending;
  };
  return {
    configuration,
    async keys() {
      if (keys) return keys;
      const jwksUri = (await configuration()).serverMetadata().jwks_uri;
      if (!jwksUri) throw new BffError(503, 'idp_unavailable', 'The identity provider publishes no jwks_uri.');
      keys = createRemoteJWKSet(new URL(jwksUri), {
        timeoutDuration: config.timeouts.idp,
        [joseCustomFetch]: (url, options) => fetchImpl(url, options as RequestInit),
      });
      return keys;
    },
  };
}

/**
 * True for failures to reach the IdP at all (refused, reset, DNS, timeout, a 5xx or a non-JSON
 * answer), as opposed to an answer that says no.
 */
export function isIdpUnreachable(error: unknown): boolean {
  if (error instanceof oidc.ResponseBodyError) return error.status >= 500;
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) return true;
  if (error instanceof TypeError) return true; // fetch() rejects with TypeError on network errors
  if (error instanceof oidc.ClientError) {
    // openid-client wraps timeouts and aborts of its requests; an unexpected status or content type
    // means the IdP is there but broken (e.g. a 502 from its proxy).
    return ['OAUTH_TIMEOUT', 'OAUTH_ABORT', 'OAUTH_RESPONSE_IS_NOT_JSON', 'OAUTH_RESPONSE_IS_NOT_CONFORM'].includes(error.code ?? '');
  }
  return false;
}

/** `503 idp_unavailable` with `Retry-After` when the IdP could not be reached; other errors unchanged. */
export function asIdpError(error: unknown): unknown {
  if (error instanceof BffError || !isIdpUnreachable(error)) return error;
  return new BffError(503, 'idp_unavailable', 'The identity provider cannot be reached; try again shortly.', { 'Retry-After': '5' }, { cause: error });
}
