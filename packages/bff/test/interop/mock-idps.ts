import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OIDCMockProvider, type TokenMetadata } from '@mongodb-js/oidc-mock-provider';
import type { FollowedResponse, TestBrowser } from '@cloakroom/idp/testing';
import { decodeJwt } from 'jose';
import {
  OAuth2Server,
  type MutableResponse,
  type MutableToken,
  type OAuth2Service,
  type TokenRequestIncomingMessage,
} from 'oauth2-mock-server';
import type { BffConfig } from '../../src/index.js';

/** The user a mock provider signs in (both providers approve every authorization request at once). */
export interface MockIdpUser {
  sub: string;
  name: string;
  email: string;
}

/** Requests a mock provider's token and revocation endpoints received, by kind. */
export interface MockIdpCounts {
  /** Token requests with `grant_type=authorization_code`, whatever was answered. */
  authorizationCodeGrants: number;
  /** Token requests with `grant_type=refresh_token`, whatever was answered. */
  refreshTokenGrants: number;
  /** Requests to the revocation endpoint (RFC 7009); always 0 for a provider without one. */
  revocations: number;
}

/** What both harnesses hand a test. */
export interface RunningMockIdp {
  /** The issuer identifier, `http://127.0.0.1:{port}`: another site than the BFF's `localhost`. */
  issuer: string;
  /** The provider's key set, to verify the tokens it issued with jose. */
  jwksUri: string;
  /** The token endpoint (`{issuer}/token` for both providers), e.g. for {@link tokenRecorder}. */
  tokenEndpoint: string;
  clientId: string;
  /** What the BFF's configuration needs to talk to this provider (spread into `createBff`). */
  bffSettings: Pick<BffConfig, 'issuer' | 'clientId' | 'clientSecret' | 'clientAuthentication'>;
  user: MockIdpUser;
  counts: MockIdpCounts;
  /**
   * Lifetime in seconds of the access tokens issued from now on (`expires_in` and the JWT's `exp`).
   * Writable: a test that needs a token to outlive it sets it and puts it back.
   */
  accessTokenLifetime: number;
  /**
   * Signs {@link user} in from `startUrl` (e.g. `{bffOrigin}/bff/login?returnTo=/x`): follows the
   * redirects through the provider's authorization endpoint, which approves at once, back to the
   * BFF's callback and on. Resolves with the first response that is not a redirect (the `returnTo`
   * page, or the callback's problem when the BFF refused the sign-in); rejects when the flow never
   * reached the authorization endpoint or ended on the provider's origin (its own error answer).
   */
  signIn(browser: TestBrowser, startUrl: string | URL): Promise<FollowedResponse>;
  /** Stops the provider. Safe to call twice. */
  close(): Promise<void>;
}

const DEFAULT_USER: MockIdpUser = { sub: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' };
const DEFAULT_CLIENT_ID = 'cloakroom-bff';

/** Options of {@link startOauth2MockServer} and {@link startMongoOidcMock}. */
export interface MockIdpOptions {
  /** The client id the BFF uses. Default `cloakroom-bff`. */
  clientId?: string;
  /** Who signs in. Default Ada Lovelace (`sub` `ada`). */
  user?: MockIdpUser;
  /** Initial {@link RunningMockIdp.accessTokenLifetime}. Default 3600. */
  accessTokenLifetime?: number;
}

/** A running `oauth2-mock-server`, with its server and service for hooks. */
export interface RunningOauth2MockServer extends RunningMockIdp {
  /** The library's server (`server.issuer.keys`, `server.issuer.url`, …). */
  server: OAuth2Server;
  /**
   * Where its hooks are: `service.on('beforeTokenSigning' | 'beforeResponse' | 'beforeUserinfo' |
   * 'beforeRevoke' | 'beforeAuthorizeRedirect' | 'beforePostLogoutRedirect' | 'beforeIntrospect', …)`.
   * The harness's own listeners (user claims, token lifetime, counts) run first, so a test's listener
   * sees, and may overwrite, what they set.
   */
  service: OAuth2Service;
}

/**
 * True for the ID token among the tokens `oauth2-mock-server` 8.2 signs for one token request: it
 * gives access tokens of the authorization-code and refresh grants an `amr` claim, and ID tokens none.
 */
export function isIdToken(token: MutableToken): boolean {
  return !('amr' in token.payload);
}

/**
 * Starts `oauth2-mock-server` (8.2) on a free loopback port with a fresh RS256 key (the only ID-token
 * algorithm its discovery document lists). Its issuer is set to `http://127.0.0.1:{port}` (the
 * library names loopback hosts `localhost`, the BFF's site). It approves every authorization request
 * at once and checks no client credentials: its discovery document lists only `none` as token
 * endpoint auth method, so {@link RunningMockIdp.bffSettings} makes the BFF a public client (PKCE
 * S256 is still checked). Its tokens name `sub` `johndoe`; the harness's `beforeTokenSigning`
 * listener makes them name {@link MockIdpOptions.user} and puts the user's name and email into ID
 * tokens.
 */
export async function startOauth2MockServer(options: MockIdpOptions = {}): Promise<RunningOauth2MockServer> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const issuer = `http://127.0.0.1:${server.address().port}`;
  server.issuer.url = issuer;
  const service = server.service;
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const user = options.user ?? DEFAULT_USER;
  const counts: MockIdpCounts = { authorizationCodeGrants: 0, refreshTokenGrants: 0, revocations: 0 };

  service.on('beforeTokenSigning', (token: MutableToken, req: TokenRequestIncomingMessage) => {
    if (req.body.grant_type === 'client_credentials') return;
    token.payload.sub = user.sub;
    if (isIdToken(token)) Object.assign(token.payload, { name: user.name, email: user.email });
    else token.payload.exp = token.payload.iat + running.accessTokenLifetime;
  });
  service.on('beforeResponse', (response: MutableResponse, req: TokenRequestIncomingMessage) => {
    if (req.body.grant_type === 'authorization_code') counts.authorizationCodeGrants += 1;
    if (req.body.grant_type === 'refresh_token') counts.refreshTokenGrants += 1;
    if (response.body !== '' && typeof response.body.access_token === 'string') response.body.expires_in = running.accessTokenLifetime;
  });
  service.on('beforeRevoke', () => {
    counts.revocations += 1;
  });

  let closed: Promise<void> | undefined;
  const running: RunningOauth2MockServer = {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    clientId,
    bffSettings: { issuer, clientId, clientAuthentication: 'none' },
    user,
    counts,
    accessTokenLifetime: options.accessTokenLifetime ?? 3600,
    server,
    service,
    signIn: (browser, startUrl) => followSignIn(browser, startUrl, issuer, `${issuer}/authorize`),
    close: () => (closed ??= server.stop()),
  };
  return running;
}

/** A running `@mongodb-js/oidc-mock-provider`. */
export interface RunningMongoOidcMock extends RunningMockIdp {
  /** The library's provider; `provider.httpServer` is its Node HTTP server. */
  provider: OIDCMockProvider;
  /**
   * The provider has no refresh-token grant of its own: its token endpoint looks the request's `code`
   * up and, finding none, answers `500 {"error":"Cannot destructure property 'client_id' …"}`. While
   * this is true (the default), the harness answers refresh requests itself, through the provider's
   * `overrideRequestHandler` hook and with its own (private) token minting: a refresh token is single-use
   * (rotated), an unknown or spent one gets `400 invalid_grant`. Set it to false for the provider's
   * own answer.
   */
  refreshTokenGrant: boolean;
  /**
   * A test's hook, run before the harness's and the provider's handling of each request (the URL
   * carries the form body's parameters in its query). Ending `res` answers the request.
   */
  intercept: ((url: URL, req: IncomingMessage, res: ServerResponse) => void | Promise<void>) | undefined;
  /** Paths of the requests the provider received, in order. */
  paths: string[];
}

/** The provider's private members the harness's refresh grant uses (checked at start). */
interface MongoMockInternals {
  retrieveFromStorage(id: string | undefined): unknown;
  storeForSingleRetrieval(payload: Record<string, unknown>): Promise<string>;
  issueToken(metadata: TokenMetadata): Promise<{ access_token: string; id_token?: string; expires_in: number }>;
}

/**
 * Starts `@mongodb-js/oidc-mock-provider` (0.13) on a free loopback port, issuer
 * `http://127.0.0.1:{port}`. It approves every authorization request at once, checks PKCE (S256
 * only) but no client credentials, and publishes a minimal discovery document (no
 * `token_endpoint_auth_methods_supported`, which means `client_secret_basic`; no userinfo,
 * revocation, end-session or PAR endpoint; no `scopes_supported`). Its tokens carry
 * {@link MockIdpOptions.user}'s `sub`, and its ID tokens the name and email too. See
 * {@link RunningMongoOidcMock.refreshTokenGrant} for refresh.
 */
export async function startMongoOidcMock(options: MockIdpOptions = {}): Promise<RunningMongoOidcMock> {
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const user = options.user ?? DEFAULT_USER;
  const counts: MockIdpCounts = { authorizationCodeGrants: 0, refreshTokenGrants: 0, revocations: 0 };
  const paths: string[] = [];
  // The handle is made after the provider, whose hooks read its writable settings.
  const handle: { running?: RunningMongoOidcMock } = {};

  const provider = await OIDCMockProvider.create({
    hostname: '127.0.0.1',
    port: 0,
    getTokenPayload: () => ({
      expires_in: handle.running?.accessTokenLifetime ?? 3600,
      payload: { sub: user.sub },
      customIdTokenPayload: { name: user.name, email: user.email },
    }),
    async overrideRequestHandler(href, req, res) {
      const url = new URL(href);
      paths.push(url.pathname);
      const grantType = url.pathname === '/token' ? url.searchParams.get('grant_type') : null;
      if (grantType === 'authorization_code') counts.authorizationCodeGrants += 1;
      if (grantType === 'refresh_token') counts.refreshTokenGrants += 1;
      const running = handle.running;
      await running?.intercept?.(url, req, res);
      if (res.writableEnded || grantType !== 'refresh_token' || running?.refreshTokenGrant !== true) return;
      await refreshTokenGrant(internals, url.searchParams.get('refresh_token') ?? undefined, res);
    },
  });
  const internals = provider as unknown as MongoMockInternals;
  for (const method of ['retrieveFromStorage', 'storeForSingleRetrieval', 'issueToken'] as const) {
    if (typeof internals[method] !== 'function') {
      await provider.close();
      throw new Error(`@mongodb-js/oidc-mock-provider has no ${method}() any more: update the harness's refresh grant`);
    }
  }
  const issuer = `http://127.0.0.1:${(provider.httpServer.address() as AddressInfo).port}`;
  if (provider.issuer !== issuer) {
    await provider.close();
    throw new Error(`@mongodb-js/oidc-mock-provider calls itself ${provider.issuer}, not ${issuer}`);
  }

  let closed: Promise<void> | undefined;
  const running: RunningMongoOidcMock = {
    issuer,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    clientId,
    // The provider checks no client credentials; the BFF authenticates with the default method anyway.
    bffSettings: { issuer, clientId, clientSecret: 'unchecked-by-this-provider' },
    user,
    counts,
    accessTokenLifetime: options.accessTokenLifetime ?? 3600,
    provider,
    refreshTokenGrant: true,
    intercept: undefined,
    paths,
    signIn: (browser, startUrl) => followSignIn(browser, startUrl, issuer, `${issuer}/authorize`),
    close: () =>
      (closed ??= (async () => {
        const stopped = provider.close();
        provider.httpServer.closeAllConnections();
        await stopped;
      })()),
  };
  handle.running = running;
  return running;
}

/** The refresh-token grant the mongo provider lacks, minted with its own keys and token format. */
async function refreshTokenGrant(provider: MongoMockInternals, refreshToken: string | undefined, res: ServerResponse): Promise<void> {
  const answer = (status: number, body: Record<string, unknown>) => {
    res.statusCode = status;
    res.setHeader('Cache-Control', 'no-store');
    res.end(JSON.stringify(body));
  };
  // Single retrieval: a refresh token works once (rotation), like the codes of this provider.
  const stored = provider.retrieveFromStorage(refreshToken) as { access_token?: unknown } | undefined;
  if (typeof stored?.access_token !== 'string') {
    answer(400, { error: 'invalid_grant', error_description: 'unknown or spent refresh token' });
    return;
  }
  const previous = decodeJwt(stored.access_token);
  const issued = await provider.issueToken({ client_id: String(previous.client_id), scope: String(previous.scope) });
  const rotated = await provider.storeForSingleRetrieval({ access_token: issued.access_token, id_token: issued.id_token });
  answer(200, {
    access_token: issued.access_token,
    id_token: issued.id_token,
    refresh_token: rotated,
    token_type: 'Bearer',
    expires_in: issued.expires_in,
  });
}

async function followSignIn(
  browser: TestBrowser,
  startUrl: string | URL,
  issuer: string,
  authorizationEndpoint: string,
): Promise<FollowedResponse> {
  const response = await browser.follow(startUrl);
  const last = response.visited.at(-1) ?? String(startUrl);
  if (!response.visited.some((url) => url.startsWith(`${authorizationEndpoint}?`))) {
    throw new Error(`the sign-in never reached ${authorizationEndpoint}: ${response.status} at ${last}\n${await response.text()}`);
  }
  if (new URL(last).origin === new URL(issuer).origin) {
    throw new Error(`the sign-in ended at the provider: ${response.status} at ${last}\n${await response.text()}`);
  }
  return response;
}

/**
 * A `fetch` for the BFF's `fetch` setting that remembers every token value the IdP's token endpoint
 * answered (`access_token`, `id_token`, `refresh_token`), so that a test can check that none reached
 * the log. It reads a clone of the answers of requests to `tokenEndpoint` only; others pass untouched.
 */
export function tokenRecorder(tokenEndpoint: string): { fetch: typeof fetch; tokens: Set<string> } {
  const tokens = new Set<string>();
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    if (url.split('?')[0] === tokenEndpoint) {
      const body: unknown = await response
        .clone()
        .json()
        .catch(() => undefined);
      if (typeof body === 'object' && body !== null) {
        for (const name of ['access_token', 'id_token', 'refresh_token']) {
          const value = (body as Record<string, unknown>)[name];
          if (typeof value === 'string' && value.length > 0) tokens.add(value);
        }
      }
    }
    return response;
  };
  return { fetch: recording, tokens };
}
