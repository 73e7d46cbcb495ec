import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { ClientMetadata } from 'oidc-provider';
import { DEMO_BFF_ORIGIN, bffClient } from './clients.js';
import { buildConfiguration } from './configuration.js';
import type { Lifetimes } from './configuration.js';
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
  if (options.signingKeys?.length === 0) throw new TypeError('signingKeys: expected at least one key');
  // The request handler is attached below, synchronously after `listen` resolves, so no request
  // can be dispatched before it exists.
  const server = createServer();
  const port = await listen(server, options.port ?? 4000, host);
  const issuer = `http://${hostForUrl(host)}:${port}`;

  let provider: Provider;
  try {
    const configuration = buildConfiguration({
      issuer,
      clients: options.clients ?? [bffClient({ origin: DEMO_BFF_ORIGIN })],
      resourceServers: options.resourceServers ?? DEFAULT_RESOURCE_SERVERS,
      lifetimes,
      signingKeys: options.signingKeys ?? [processSigningKey()],
    });
    provider = new Provider(issuer, configuration);
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
  return {
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
}
