/**
 * Authorization server metadata: OpenID Connect Discovery 1.0, falling back to RFC 8414.
 */
import * as oauth from 'oauth4webapi';
import { TemporarilyUnavailable } from './errors.js';
import { oauthHttpOptions, type HttpSettings } from './http.js';

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

/**
 * OIDC Discovery 1.0 first, RFC 8414 when the OpenID location answers 404 (oauth4webapi builds
 * both URLs and checks the status, the JSON and the `issuer`).
 */
async function fetchMetadata(issuer: string, http: HttpSettings): Promise<IssuerMetadata> {
  const issuerUrl = new URL(issuer);
  const options = oauthHttpOptions(http, issuerUrl);
  let response = await oauth.discoveryRequest(issuerUrl, { ...options, algorithm: 'oidc' });
  // Only a 404 means "not here": then try the RFC 8414 location.
  if (response.status === 404) {
    await response.body?.cancel();
    response = await oauth.discoveryRequest(issuerUrl, { ...options, algorithm: 'oauth2' });
  }
  const metadata = await oauth.processDiscoveryResponse(issuerUrl, response);
  // OIDC Discovery §4.3 / RFC 8414 §3.3: the document must name exactly the issuer we asked for,
  // or another server's metadata (and keys) could stand in for it. oauth4webapi compares the
  // normalised URLs (a trailing slash passes); the issuer is an exact string everywhere else
  // (`iss` of every token), so it must be exact here too.
  if (metadata.issuer !== issuer) throw new Error(`the metadata of ${issuer} names the issuer ${metadata.issuer}`);
  return metadata;
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
