/**
 * Authorization server metadata: OpenID Connect Discovery 1.0, falling back to RFC 8414.
 */
import { TemporarilyUnavailable } from './errors.js';
import { fetchWithRetry, readJsonObject } from './http.js';
import type { HttpSettings } from './http.js';

/** The metadata fields the guard uses. */
export interface IssuerMetadata {
  readonly issuer: string;
  readonly jwks_uri?: string;
  readonly introspection_endpoint?: string;
  readonly [field: string]: unknown;
}

/** Lazily discovered metadata of one issuer. */
export interface Discovery {
  /**
   * The issuer's metadata, fetched on first use and kept. Concurrent callers share one request; a
   * failure is not kept, so the next call tries again (an IdP that starts after the API, or that
   * was briefly down, must not leave the API broken).
   * @throws {TemporarilyUnavailable} when the metadata cannot be fetched or is not acceptable.
   */
  metadata(): Promise<IssuerMetadata>;
  /** A URL-valued field of the metadata, e.g. `jwks_uri`. */
  endpoint(field: 'jwks_uri' | 'introspection_endpoint'): Promise<URL>;
}

/** OIDC Discovery §4: the issuer with `/.well-known/openid-configuration` appended. */
function openIdConfigurationUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/** RFC 8414 §3: the well-known segment goes between the host and the issuer's path. */
function authorizationServerMetadataUrl(issuer: URL): string {
  const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/+$/, '');
  return `${issuer.origin}/.well-known/oauth-authorization-server${path}`;
}

async function fetchMetadata(issuer: string, http: HttpSettings): Promise<IssuerMetadata> {
  const get = (url: string) => fetchWithRetry(http, url, { headers: { accept: 'application/json' } });
  let url = openIdConfigurationUrl(issuer);
  let response = await get(url);
  // Only a 404 means "not here": then try the RFC 8414 location.
  if (response.status === 404) {
    await response.body?.cancel();
    url = authorizationServerMetadataUrl(new URL(issuer));
    response = await get(url);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new Error(`metadata at ${url} answered HTTP ${response.status}`);
  }
  const metadata = await readJsonObject(response);
  if (!metadata) throw new Error(`metadata at ${url} is not a JSON object`);
  // OIDC Discovery §4.3 / RFC 8414 §3.3: the document must name exactly the issuer we asked for,
  // or another server's metadata (and keys) could stand in for it.
  if (metadata.issuer !== issuer) throw new Error(`metadata at ${url} names another issuer`);
  return metadata as IssuerMetadata;
}

/** Discovery of `issuer`'s metadata over `http`. */
export function createDiscovery(issuer: string, http: HttpSettings): Discovery {
  let pending: Promise<IssuerMetadata> | undefined;
  const metadata = (): Promise<IssuerMetadata> => {
    pending ??= fetchMetadata(issuer, http).catch((cause: unknown) => {
      pending = undefined;
      throw new TemporarilyUnavailable(`cannot discover the metadata of ${issuer}`, { cause });
    });
    return pending;
  };
  return {
    metadata,
    async endpoint(field) {
      const value = (await metadata())[field];
      if (typeof value !== 'string' || !URL.canParse(value)) {
        throw new TemporarilyUnavailable(`the metadata of ${issuer} has no usable ${field}`);
      }
      return new URL(value);
    },
  };
}
