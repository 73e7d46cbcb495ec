import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import { DEMO_BFF_ORIGIN, OIDC_SCOPES, bffClient } from './clients.js';
import { DEFAULT_PROFILE, buildConfiguration } from './configuration.js';
import type { Lifetimes, Profile } from './configuration.js';
import { createInteractionHandler } from './interactions.js';
import { processSigningKey } from './keys.js';
import { DEFAULT_RESOURCE_SERVERS } from './resource-servers.js';
import type { ResourceServerConfig } from './resource-servers.js';

/** Options of {@link startIdp}. */
export interface IdpOptions {
  /** Port to listen on; `0` picks a free one. Defaults to 4000. */
  port?: number;
  /** Interface to bind, also used in the issuer URL. Defaults to `127.0.0.1`. */
  host?: string;
  /** Access token lifetime in seconds; defaults to `IDP_ACCESS_TOKEN_TTL` or 300. */
  accessTokenTtl?: number;
  /** ID token lifetime in seconds; defaults to `IDP_ID_TOKEN_TTL` or 300. */
  idTokenTtl?: number;
  /** Refresh token lifetime in seconds; defaults to `IDP_REFRESH_TOKEN_TTL` or 86400. */
  refreshTokenTtl?: number;
  /** IdP session lifetime in seconds; defaults to `IDP_SESSION_TTL` or 86400. */
  sessionTtl?: number;
  /** Registered clients; defaults to the demo BFF on `http://localhost:3000`. */
  clients?: ClientMetadata[];
  /** Resource servers by resource indicator; defaults to the orders and reports APIs. */
  resourceServers?: Record<string, ResourceServerConfig>;
  /**
   * Private signing JWKs (RS256), all published at `/jwks`; the first one signs. Defaults to the
   * process-wide key. Restarting on the same port with another list rotates the keys, e.g.
   * `[next, current]` to introduce a key, then `[next]` to retire the old one.
   */
  signingKeys?: readonly Record<string, unknown>[];

  // Profile: choices in which real IdPs differ. The defaults are the dev IdP's own choices.

  /**
   * Client authentication methods the token endpoint (and PAR, revocation, introspection) accepts,
   * advertised as `token_endpoint_auth_methods_supported`: e.g. `['client_secret_post']` (then an
   * `Authorization: Basic` header is refused with `invalid_client`) or `['private_key_jwt']`. Defaults to oidc-provider's list:
   * `client_secret_basic`, `client_secret_jwt`, `client_secret_post`, `private_key_jwt`, `none`. Every
   * client must use one of them (see `bffClient`'s `tokenEndpointAuthMethod`); `startIdp` checks.
   */
  clientAuthMethods?: readonly string[];
  /**
   * Pushed authorization requests (RFC 9126): `'on'` (the default) offers the
   * `pushed_authorization_request_endpoint` without requiring it, `'required'` also advertises
   * `require_pushed_authorization_requests: true` and refuses plain authorization requests, `'off'`
   * has no PAR endpoint.
   */
  pushedAuthorizationRequests?: 'off' | 'on' | 'required';
  /**
   * `true`: the FAPI 2.0 Security Profile, as an open-banking IdP runs it. PAR required, clients
   * authenticate with `private_key_jwt` only, ID tokens and client assertions signed with PS256, ES256
   * or EdDSA (the IdP signs with an ES256 key besides its RS256 one; register clients with
   * `id_token_signed_response_alg: 'ES256'`), DPoP offered, RFC 9207 `iss` (always on). Defaults to `false`.
   */
  fapi2?: boolean;
  /**
   * `false`: no refresh tokens, ever. The IdP neither advertises the `refresh_token` grant nor the
   * `offline_access` scope, and its token endpoint answers `unsupported_grant_type` to a refresh
   * (clients' `refresh_token` grant is dropped). Defaults to `true`.
   */
  refreshTokens?: boolean;
  /**
   * `false`: no RP-initiated logout, so no `end_session_endpoint` (like Google's); with it,
   * back-channel logout is off too (nothing could end an IdP session). Defaults to `true`.
   */
  endSession?: boolean;
  /** `false`: no token revocation (RFC 7009), so no `revocation_endpoint`. Defaults to `true`. */
  revocation?: boolean;
  /**
   * `true` (the default): the scope-granted profile and email claims are in the ID token.
   * `false`: as OIDC Core §5.4 has it (oidc-provider's `conformIdTokenClaims`; Okta does so), an ID
   * token that comes with a userinfo access token has `sub` and protocol claims only, and the
   * profile and email claims are answered by the userinfo endpoint. A userinfo access token is one
   * without an audience: from a sign-in that named no resource and requested no resource scope.
   * An access token for a resource server is refused at userinfo (401 `invalid_token`), and the ID
   * token issued with it does carry the claims: oidc-provider keeps them out only when userinfo can
   * answer them.
   */
  claimsInIdToken?: boolean;
  /**
   * The OIDC scopes the IdP knows and advertises (`scopes_supported`), a subset of `OIDC_SCOPES`
   * that includes `openid`; defaults to all of them. A scope left out is unknown to the IdP: its
   * claims are not supported either, it is dropped from clients' `scope`, and a request for it is
   * not refused, oidc-provider silently ignores it. Leaving out `offline_access` does not stop
   * refresh tokens (see {@link refreshTokens}); `refreshTokens: false` needs it left out.
   */
  scopes?: readonly string[];
  /**
   * `true`: every DPoP proof (RFC 9449) at the token endpoint must carry a nonce of the IdP; a proof
   * without one (or with an old one) is answered `400 use_dpop_nonce` with the nonce in `DPoP-Nonce`,
   * as Okta and Auth0 do. Defaults to `false`: proofs are checked for freshness by their `iat`.
   */
  dpopNonces?: boolean;
}

/** Grants issued by one running IdP, by grant type. */
export interface GrantCounts {
  refreshTokenGrants: number;
  authorizationCodeGrants: number;
  clientCredentialsGrants: number;
}

/** A started IdP. */
export interface RunningIdp {
  /** Issuer identifier, e.g. `http://127.0.0.1:4000`. */
  readonly issuer: string;
  readonly port: number;
  /** The underlying oidc-provider instance (a Koa application). */
  readonly provider: Provider;
  /** Successful token endpoint grants since this instance started. */
  readonly counts: GrantCounts;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

function seconds(name: string, value: number | undefined, fallback: number): number {
  const fromEnv = process.env[name];
  const resolved = value ?? (fromEnv ? Number(fromEnv) : fallback);
  if (!Number.isInteger(resolved) || resolved <= 0) {
    throw new TypeError(`${name}: expected a positive whole number of seconds, got ${String(value ?? fromEnv)}`);
  }
  return resolved;
}

function lifetimesFrom(options: IdpOptions): Lifetimes {
  return {
    accessToken: seconds('IDP_ACCESS_TOKEN_TTL', options.accessTokenTtl, 300),
    idToken: seconds('IDP_ID_TOKEN_TTL', options.idTokenTtl, 300),
    refreshToken: seconds('IDP_REFRESH_TOKEN_TTL', options.refreshTokenTtl, 86_400),
    session: seconds('IDP_SESSION_TTL', options.sessionTtl, 86_400),
  };
}

function profileFrom(options: IdpOptions): Profile {
  const refreshTokens = options.refreshTokens ?? DEFAULT_PROFILE.refreshTokens;
  const scopes = options.scopes ?? DEFAULT_PROFILE.scopes.filter((scope) => refreshTokens || scope !== 'offline_access');
  const unknown = scopes.filter((scope) => !OIDC_SCOPES.includes(scope));
  if (unknown.length) throw new TypeError(`scopes: expected some of ${OIDC_SCOPES.join(', ')}, got ${unknown.join(', ')}`);
  if (!scopes.includes('openid')) throw new TypeError('scopes: expected openid among them');
  if (!refreshTokens && scopes.includes('offline_access')) {
    throw new TypeError('scopes: offline_access promises refresh tokens, but refreshTokens is false');
  }
  if (options.clientAuthMethods?.length === 0) throw new TypeError('clientAuthMethods: expected at least one method');
  const fapi2 = options.fapi2 ?? DEFAULT_PROFILE.fapi2;
  if (
    fapi2 &&
    ((options.pushedAuthorizationRequests ?? 'required') !== 'required' ||
      (options.clientAuthMethods ?? ['private_key_jwt']).join() !== 'private_key_jwt')
  ) {
    throw new TypeError(
      'fapi2: PAR is required and private_key_jwt the only client authentication; leave pushedAuthorizationRequests and clientAuthMethods out',
    );
  }
  const pushedAuthorizationRequests =
    options.pushedAuthorizationRequests ?? (fapi2 ? 'required' : DEFAULT_PROFILE.pushedAuthorizationRequests);
  if (!['off', 'on', 'required'].includes(pushedAuthorizationRequests)) {
    throw new TypeError(`pushedAuthorizationRequests: expected off, on or required, got ${String(pushedAuthorizationRequests)}`);
  }
  return {
    clientAuthMethods: options.clientAuthMethods
      ? [...options.clientAuthMethods]
      : fapi2
        ? ['private_key_jwt']
        : DEFAULT_PROFILE.clientAuthMethods,
    pushedAuthorizationRequests,
    refreshTokens,
    endSession: options.endSession ?? DEFAULT_PROFILE.endSession,
    revocation: options.revocation ?? DEFAULT_PROFILE.revocation,
    claimsInIdToken: options.claimsInIdToken ?? DEFAULT_PROFILE.claimsInIdToken,
    scopes: [...scopes],
    dpopNonces: options.dpopNonces ?? DEFAULT_PROFILE.dpopNonces,
    fapi2,
  };
}

/**
 * A client as the profile can register it: a real IdP would not let one ask for scopes or grants
 * it does not support either. The caller's metadata is left as it is.
 */
function conformClient(client: ClientMetadata, profile: Profile): ClientMetadata {
  const conformed = { ...client };
  if (typeof client.scope === 'string') {
    conformed.scope = client.scope
      .split(' ')
      .filter((scope) => profile.scopes.includes(scope))
      .join(' ');
  }
  if (!profile.refreshTokens && Array.isArray(client.grant_types)) {
    conformed.grant_types = client.grant_types.filter((grant) => grant !== 'refresh_token');
  }
  // FAPI 2.0 §5.4.1: ID tokens signed with one of its algorithms (the IdP has an ES256 key for it).
  if (profile.fapi2) conformed.id_token_signed_response_alg ??= 'ES256';
  return conformed;
}

/** Builds every client now, so that metadata the profile refuses fails `startIdp`, not a sign-in. */
async function checkClients(provider: Provider, clients: readonly ClientMetadata[]): Promise<void> {
  for (const { client_id: clientId } of clients) {
    try {
      await provider.Client.find(clientId);
    } catch (error) {
      const detail = (error as { error_description?: unknown }).error_description;
      throw new TypeError(`client ${clientId}: ${typeof detail === 'string' ? detail : String(error)}`, { cause: error });
    }
  }
}

/** The endpoints that authenticate clients (oidc-provider's default routes, which we keep). */
const CLIENT_AUTH_PATHS: ReadonlySet<string> = new Set(['/token', '/request', '/token/revocation', '/token/introspection']);

/**
 * oidc-provider takes `client_secret_basic` and `client_secret_post` as interchangeable: a client
 * registered for one may use the other, even when `clientAuthMethods` lists only
 * `client_secret_post`. An IdP that supports only the latter refuses an `Authorization: Basic`
 * header, so this one does too. (The converse needs no help: with
 * `client_secret_post` unsupported, oidc-provider ignores a `client_secret` form parameter.)
 */
function refuseBasicAuthentication(provider: Provider): void {
  provider.use(async (ctx, next) => {
    const authorization = ctx.headers.authorization;
    if (ctx.method === 'POST' && CLIENT_AUTH_PATHS.has(ctx.path) && /^basic /i.test(authorization ?? '')) {
      ctx.status = 401;
      ctx.set('cache-control', 'no-store');
      ctx.set('www-authenticate', `Basic realm="${provider.issuer}", error="invalid_client"`);
      ctx.body = { error: 'invalid_client', error_description: 'client_secret_basic is not a supported client authentication method' };
      return;
    }
    await next();
  });
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts the dev OpenID Provider.
 *
 * The server listens first so that a free port (`port: 0`) is known before the Provider is built
 * with its issuer. The signing key and the storage (per issuer) are process-wide, so a new instance
 * on the same port accepts the sessions, grants and refresh tokens of a closed one.
 */
export async function startIdp(options: IdpOptions = {}): Promise<RunningIdp> {
  const host = options.host ?? '127.0.0.1';
  const lifetimes = lifetimesFrom(options);
  const profile = profileFrom(options);
  if (options.signingKeys?.length === 0) throw new TypeError('signingKeys: expected at least one key');
  // The request handler is attached below, synchronously after `listen` resolves, so no request
  // can be dispatched before it exists.
  const server = createServer();
  const port = await listen(server, options.port ?? 4000, host);
  const issuer = `http://${hostForUrl(host)}:${port}`;

  let provider: Provider;
  let clients: ClientMetadata[];
  try {
    clients = (options.clients ?? [bffClient({ origin: DEMO_BFF_ORIGIN })]).map((client) => conformClient(client, profile));
    const configuration = buildConfiguration({
      issuer,
      clients,
      resourceServers: options.resourceServers ?? DEFAULT_RESOURCE_SERVERS,
      lifetimes,
      signingKeys: options.signingKeys ?? (profile.fapi2 ? [processSigningKey(), processSigningKey('ES256')] : [processSigningKey()]),
      profile,
    });
    provider = new Provider(issuer, configuration);
    if (profile.clientAuthMethods && !profile.clientAuthMethods.includes('client_secret_basic')) {
      refuseBasicAuthentication(provider);
    }
  } catch (error) {
    server.close();
    throw error;
  }

  const counts: GrantCounts = { refreshTokenGrants: 0, authorizationCodeGrants: 0, clientCredentialsGrants: 0 };
  provider.on('grant.success', (ctx) => {
    const grantType = ctx.oidc.params?.grant_type;
    if (grantType === 'refresh_token') counts.refreshTokenGrants += 1;
    else if (grantType === 'authorization_code') counts.authorizationCodeGrants += 1;
    else if (grantType === 'client_credentials') counts.clientCredentialsGrants += 1;
  });

  const interactions = createInteractionHandler(provider);
  const callback = provider.callback();
  const listener: RequestListener = (req, res) => {
    interactions(req, res).then(
      (handled) => {
        if (!handled) callback(req, res);
      },
      (error: unknown) => {
        // Only the message: errors here never carry credentials, but request data might.
        console.error('[idp] interaction failed:', error instanceof Error ? error.message : 'unknown error');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal server error');
      },
    );
  };
  server.on('request', listener);

  let closing: Promise<void> | undefined;
  const running: RunningIdp = {
    issuer,
    port,
    provider,
    counts,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would otherwise hold close() open (and tests) for seconds.
        server.closeAllConnections();
        provider.removeAllListeners();
      });
      return closing;
    },
  };
  try {
    await checkClients(provider, clients);
  } catch (error) {
    await running.close();
    throw error;
  }
  return running;
}
