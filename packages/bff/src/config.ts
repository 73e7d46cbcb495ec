import type { JWK } from 'jose';
import { fapi2ConfigGaps, type SecurityProfile } from './security-profile.js';
import type { Logger } from './logger.js';
import { loginResource, usesUserToken } from './oidc/token-targets.js';
import { safeReturnTo } from './return-to.js';
import type { SessionStore } from './sessions/session-store.js';

/** How the BFF authenticates calls to one upstream API. */
export type ApiTokenType = 'user' | 'user-optional' | 'client' | 'none';

/**
 * How the token sent to an API is bound: `bearer` works for whoever holds it; `dpop` (RFC 9449) is
 * bound to a key of the BFF and goes with a fresh proof signed by that key on every call.
 */
export type ApiTokenBinding = 'bearer' | 'dpop';

/** One upstream API, reachable at `{basePath}/api/{name}/*`. */
export interface ApiConfig {
  /** Where requests go: `{basePath}/api/{name}/x?y` → `{baseUrl}/x?y`. */
  baseUrl: string;
  /** Which token to attach. Default `'user'`. */
  token?: ApiTokenType | undefined;
  /** Scopes this API needs; they are requested at sign-in (user tokens) or in the grant (client tokens). */
  scopes?: string[] | undefined;
  /** Resource indicator (RFC 8707): the token sent to this API is issued for this audience only. */
  resource?: string | undefined;
  /**
   * `'dpop'`: ask the IdP for DPoP-bound tokens (RFC 9449) for this API and send each call with a
   * fresh proof (`Authorization: DPoP`, `DPoP` header), so that a token copied from the API's logs or
   * traffic is useless without the BFF's key. User tokens are bound to a key of the session, client
   * tokens to a key of the BFF. The IdP must support DPoP with ES256. Default `'bearer'`. APIs that
   * share a resource share their token, so they must agree on this. See docs/dpop.md.
   */
  tokenBinding?: ApiTokenBinding | undefined;
  /** Request headers forwarded besides the default safe list (lower case). */
  forwardHeaders?: string[] | undefined;
  /** Response headers passed to the browser besides the default safe list (content, validators, …). */
  responseHeaders?: string[] | undefined;
  /**
   * The only requests the browser may make to this API through the BFF, as `'METHOD /path'` with
   * `:name` for one path segment and a final `*` for the rest, e.g.
   * `['GET /orders', 'POST /orders', 'GET /orders/:id']` (GET allows HEAD). Anything else is
   * `403 route_not_allowed`. Limits what a script injected into the app can do as the user: it can
   * call these routes, not the rest of the upstream. Default: every route.
   */
  routes?: string[] | undefined;
  /**
   * Mark answers `Cache-Control: private` (unless the API says `private` or `no-store`) and
   * `Vary: Cookie`, so that no shared cache keeps one user's answer for another. Default true; turn
   * off only for an API whose answers are the same for everyone.
   */
  privateResponses?: boolean | undefined;
  /**
   * For `token: 'client'`: also serve callers without a session. Off by default, because anyone who
   * can reach the BFF would otherwise call the API with the BFF's own client identity.
   */
  allowAnonymous?: boolean | undefined;
}

/** Configuration of {@link createBff}. */
export interface BffConfig {
  /**
   * Public origin of the app that the browser sees, e.g. `https://app.example.com`: https, or http on
   * a loopback host (`localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]`) for development, since the
   * `__Host-` cookies are `Secure`. An origin only: to serve the BFF under a path, set `basePath`.
   */
  baseUrl: string;
  /** Where the BFF's routes live. Default `/bff`. */
  basePath?: string | undefined;
  /**
   * Requests that reach the BFF under another host than `baseUrl`'s (`127.0.0.1` for `localhost`)
   * are redirected to the same path on `baseUrl` before a sign-in starts, so that its cookies land
   * where the browser comes back. The `Host` and `X-Forwarded-Host` headers are compared. Default
   * true; turn it off behind a proxy that rewrites both.
   */
  redirectToBaseUrl?: boolean | undefined;
  /**
   * Where a person lands in the app when a route they navigate to (`/login`, `/callback`,
   * `/logout/callback`) fails: a same-origin path, given `?cloakroom_error=<code>`. Default `/`.
   */
  errorPath?: string | undefined;
  /**
   * The cookies' name (after the `__Host-` prefix): the session cookie, `{name}-login` and
   * `{name}-logout`. Default `cloakroom`. Give each BFF on one origin its own.
   */
  cookieName?: string | undefined;
  /** OpenID Provider issuer; its discovery document is fetched on first use. */
  issuer: string;
  /** The BFF's client id at the IdP. */
  clientId: string;
  /** The client secret, for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string | undefined;
  /**
   * How the BFF authenticates at the IdP's token endpoint (and its PAR and revocation endpoints).
   * Default `client_secret_basic`. `private_key_jwt` (RFC 7523) signs an assertion with
   * {@link BffConfig.clientPrivateKey}; `none` makes a public client (PKCE is always used), only
   * where the IdP allows it. A method the IdP's discovery document does not list is refused.
   */
  clientAuthentication?: ClientAuthenticationMethod | undefined;
  /** For `private_key_jwt`: the private key (a JWK, or a PKCS#8 PEM with `alg`) and its `kid`. */
  clientPrivateKey?: ClientPrivateKey | undefined;
  /**
   * Holds the BFF to a security profile. `'fapi2'`: the FAPI 2.0 Security Profile — PAR, PKCE S256,
   * `private_key_jwt` with PS256, ES256 or EdDSA, RFC 9207 `iss`, DPoP-bound tokens for every API
   * that gets one, ID tokens signed with PS256, ES256 or EdDSA only. A configuration that cannot meet
   * it is refused at `createBff` (naming every gap), an IdP that cannot at discovery.
   */
  profile?: SecurityProfile | undefined;
  /**
   * Pushed authorization requests (RFC 9126). `'auto'` (default) uses them when the IdP advertises a
   * PAR endpoint (and so when it requires them); `true` insists on them; `false` never uses them.
   */
  pushedAuthorizationRequests?: boolean | 'auto' | undefined;
  /**
   * Scopes requested at sign-in besides the APIs' own. Default `openid profile email offline_access`,
   * less those the IdP's `scopes_supported` does not list (a configured list is sent as it is).
   */
  scopes?: string[] | undefined;
  /**
   * Extra parameters of every authorization request, e.g. `{ audience: 'https://api.example.com' }`
   * (Auth0) or `{ access_type: 'offline' }` (Google). The protocol's own parameters cannot be set here.
   */
  authorizationParameters?: Record<string, string> | undefined;
  /**
   * Authorization request parameters the app may pass per sign-in, as query parameters of
   * `GET {basePath}/login` (or `login({ … })` in the SDK). Default: all of
   * `prompt`, `login_hint`, `acr_values`, `max_age`, `ui_locales`; `[]` allows none.
   */
  loginParameters?: LoginParameter[] | undefined;
  /**
   * Fetch the userinfo endpoint once at sign-in (with the new access token) and merge its claims into
   * the session's user; its `sub` must be the ID token's. For IdPs that put profile claims there only
   * (e.g. Okta's org authorization server, ZITADEL by default). Default false. The sign-in access
   * token is the one sent: with an API that has a `resource`, it is that API's token, which the IdP
   * must also accept at userinfo (some IdPs, oidc-provider among them, do not).
   */
  userinfo?: boolean | undefined;
  /**
   * Secret(s) sealing the cookies, each at least 32 characters. Several for rotation: the last in
   * an array (or the highest key in a record) seals, all unseal.
   */
  cookieSecret: string | string[] | Record<string, string>;
  /** Upstream APIs by name. */
  apis?: Record<string, ApiConfig> | undefined;
  /**
   * Where the IdP sends the user after RP-initiated logout. Default `{baseUrl}{basePath}/logout/callback`,
   * which checks the logout `state` and redirects to the `returnTo` given to `/logout`.
   */
  postLogoutRedirectUri?: string | undefined;
  /**
   * Put `id_token_hint` in the end-session URL (some IdPs require it). Off by default, because that
   * URL passes through the browser and its history; `client_id` identifies the client instead.
   */
  logoutIdTokenHint?: boolean | undefined;
  /** Where sessions live and how long. */
  session?: SessionConfig | undefined;
  /**
   * Opt-in admin API (`POST {basePath}/admin/revoke-user`), guarded by this bearer credential
   * (at least 32 characters), separate from any user's session.
   */
  admin?: { token: string };
  /** Largest request body proxied upstream, in bytes. Default 10 MiB. */
  maxBodySize?: number | undefined;
  /**
   * Refresh an access token this many seconds before it expires (never more than half its
   * lifetime). Default 30.
   */
  refreshMargin?: number | undefined;
  /**
   * Request bodies up to this many bytes (with a Content-Length) are buffered so that the request
   * can be retried once after an upstream `401 invalid_token`; larger ones stream and are not
   * retried. Default 64 KiB.
   */
  replayableBodySize?: number | undefined;
  /**
   * Milliseconds to wait for the IdP, and for an upstream API's response headers. Default 10 000 /
   * 30 000. `upstreamTotal` bounds a whole upstream response, body included (default: none, so that
   * downloads and event streams may take their time); past it the response is cut off.
   */
  timeouts?: { idp?: number; upstream?: number; upstreamTotal?: number };
  /** Where log lines go (always redacted). Default: JSON lines on the console. */
  logger?: Logger | undefined;
  /**
   * The fetch used for the IdP and upstream APIs. Default: the global `fetch`, except that on Node
   * the proxy calls APIs with undici's `request` (the same connection pool, less work per call).
   */
  fetch?: typeof fetch | undefined;
}

/** Token endpoint client authentication methods the BFF can use (OAuth 2.0 / RFC 7523 names). */
export type ClientAuthenticationMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'none';

const CLIENT_AUTHENTICATION_METHODS: readonly ClientAuthenticationMethod[] = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'none',
];

/** A private key for `private_key_jwt` client authentication. */
export interface ClientPrivateKey {
  /** A private JWK, or a PKCS#8 PEM string (`-----BEGIN PRIVATE KEY-----`). */
  key: JWK | string;
  /** The key id the IdP knows the public key by (default: the JWK's `kid`). */
  kid?: string | undefined;
  /** The signing algorithm, e.g. `RS256` or `ES256` (default: the JWK's `alg`; required for a PEM). */
  alg?: string | undefined;
}

/** Authorization request parameters an app may pass per sign-in. */
export type LoginParameter = 'prompt' | 'login_hint' | 'acr_values' | 'max_age' | 'ui_locales';

export const LOGIN_PARAMETERS: readonly LoginParameter[] = ['prompt', 'login_hint', 'acr_values', 'max_age', 'ui_locales'];

/** Parameters the BFF sets itself on an authorization request; configuration may not override them. */
const PROTOCOL_PARAMETERS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'resource',
  'request',
  'request_uri',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
]);

/** Session storage and lifetimes. */
export interface SessionConfig {
  /**
   * Where sessions live. Default: a {@link MemorySessionStore} (one process). A shared store (e.g.
   * `RedisSessionStore` from `@cloakroom/bff/redis`) for several instances. `'cookie'`: stateless,
   * the whole session sealed into (chunked) cookies; it cannot be revoked server-side.
   */
  store?: SessionStore | 'cookie' | undefined;
  /** The session ends this many seconds after sign-in, whatever happens. Default 8 hours. */
  absoluteLifetime?: number | undefined;
  /** The session ends after this many seconds without a request (sliding). Default 1 hour. */
  idleTimeout?: number | undefined;
  /**
   * Live sessions one user may hold (one per browser or device); a sign-in past it ends that user's
   * oldest. Keeps one account from filling a bounded store and pushing other users out. Default 20.
   */
  maxPerUser?: number | undefined;
}

/** A configuration problem found at start-up; `field` names the offending setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`Invalid Cloakroom BFF config: ${field} ${message}`);
  }
}

/** Every property present and none `undefined`: what a setting is once its default is applied. */
type Defaulted<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };

/** The configuration after validation and defaults. */
export interface ResolvedConfig extends Omit<
  Defaulted<BffConfig>,
  'cookieSecret' | 'apis' | 'timeouts' | 'session' | 'admin' | 'logger' | 'fetch' | 'clientSecret' | 'clientPrivateKey' | 'profile'
> {
  clientSecret: string | undefined;
  clientPrivateKey: ClientPrivateKey | undefined;
  profile: SecurityProfile | undefined;
  /** `scopes` was not configured: the defaults may be narrowed to what the IdP supports. */
  scopesAreDefault: boolean;
  session: { absoluteLifetime: number; idleTimeout: number; maxPerUser: number };
  admin: { token: string } | undefined;
  origin: string;
  redirectUri: string;
  /** Password map for iron-session: newest id seals. */
  cookiePasswords: Record<string, string>;
  apis: Record<
    string,
    Defaulted<
      Pick<ApiConfig, 'token' | 'scopes' | 'forwardHeaders' | 'responseHeaders' | 'privateResponses' | 'allowAnonymous' | 'tokenBinding'>
    > & {
      baseUrl: URL;
      resource?: string | undefined;
      /** The allowed routes, compiled; undefined allows every route. */
      routes?: AllowedRoute[] | undefined;
    }
  >;
  timeouts: { idp: number; upstream: number; upstreamTotal: number | undefined };
  /** The issuer is on a loopback host over http (development only). */
  insecureIssuer: boolean;
}

const MIN_SECRET_LENGTH = 32;

/** Response headers no configuration lets an API set on the app's origin: the BFF owns its cookies. */
const NEVER_FORWARDED_RESPONSE_HEADERS = new Set(['set-cookie', 'set-cookie2', 'clear-site-data']);

/** Loopback hosts, where browsers treat plain http as a secure context (and keep `Secure` cookies). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/** Validates `config` and fills the defaults; throws a {@link ConfigError} naming the bad field. */
export function resolveConfig(config: BffConfig): ResolvedConfig {
  if (typeof config !== 'object' || config === null) throw new ConfigError('config', 'must be an object');
  const base = parseUrl('baseUrl', config.baseUrl);
  const issuer = parseUrl('issuer', config.issuer);
  if (issuer.search || issuer.hash) throw new ConfigError('issuer', 'must not have a query or fragment');
  const insecureIssuer = issuer.protocol === 'http:';
  if (insecureIssuer && !isLoopbackHost(issuer.hostname))
    throw new ConfigError('issuer', 'must use https (http is allowed on loopback hosts only)');
  if (base.protocol === 'http:' && !isLoopbackHost(base.hostname)) {
    throw new ConfigError(
      'baseUrl',
      `must use https: the session cookies are __Host- cookies, which browsers keep only when Secure, and over plain http they are dropped, so sign-in could never complete. Plain http works on loopback hosts (http://localhost:3000, http://app.localhost:3000, http://127.0.0.1:3000); elsewhere serve the app over https (a TLS-terminating proxy in front is fine: set baseUrl to the https URL the browser sees).`,
    );
  }
  if (base.pathname !== '/' || base.search || base.hash) {
    throw new ConfigError(
      'baseUrl',
      `must be an origin only (${base.origin}), not ${JSON.stringify(config.baseUrl)}: the BFF's cookies are __Host- cookies, which live on the whole origin; to serve the BFF under a path, set basePath (e.g. '/app/bff').`,
    );
  }
  requireString('clientId', config.clientId);
  const clientAuthentication = config.clientAuthentication ?? 'client_secret_basic';
  if (!CLIENT_AUTHENTICATION_METHODS.includes(clientAuthentication)) {
    throw new ConfigError('clientAuthentication', `must be one of ${CLIENT_AUTHENTICATION_METHODS.join(', ')}`);
  }
  if (clientAuthentication.startsWith('client_secret_')) requireString('clientSecret', config.clientSecret);
  if (clientAuthentication === 'private_key_jwt') {
    const key = config.clientPrivateKey?.key;
    if (typeof key !== 'string' && (typeof key !== 'object' || key === null))
      throw new ConfigError('clientPrivateKey', 'is required for private_key_jwt');
  }
  if (config.profile !== undefined && config.profile !== 'fapi2') throw new ConfigError('profile', "must be 'fapi2' or left out");
  const fapi2Gaps = config.profile === 'fapi2' ? fapi2ConfigGaps(config) : [];
  if (fapi2Gaps.length > 0) throw new ConfigError('profile', `is 'fapi2', which needs: ${fapi2Gaps.join('; ')}`);
  // FAPI 2.0 sends every authorization request through PAR.
  const pushedAuthorizationRequests = config.pushedAuthorizationRequests ?? (config.profile === 'fapi2' ? true : 'auto');
  if (![true, false, 'auto'].includes(pushedAuthorizationRequests))
    throw new ConfigError('pushedAuthorizationRequests', "must be true, false or 'auto'");

  const basePath = config.basePath ?? '/bff';
  if (!/^\/[\w\-/]*[\w-]$/.test(basePath)) throw new ConfigError('basePath', 'must start with / and not end with /');
  const errorPath = config.errorPath ?? '/';
  if (safeReturnTo(errorPath, base.origin) !== errorPath || errorPath.includes('?') || errorPath.includes('#')) {
    throw new ConfigError('errorPath', 'must be a relative path on this origin, without query or fragment');
  }
  const cookieName = config.cookieName ?? 'cloakroom';
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(cookieName))
    throw new ConfigError('cookieName', 'may contain only letters, digits, _ and - (at most 40)');

  const resolved: ResolvedConfig = {
    baseUrl: base.origin,
    origin: base.origin,
    basePath,
    redirectToBaseUrl: config.redirectToBaseUrl ?? true,
    errorPath,
    cookieName,
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    clientAuthentication,
    clientPrivateKey: clientAuthentication === 'private_key_jwt' ? config.clientPrivateKey : undefined,
    pushedAuthorizationRequests,
    profile: config.profile,
    scopes: resolveScopes(config.scopes),
    scopesAreDefault: config.scopes === undefined,
    authorizationParameters: resolveAuthorizationParameters(config.authorizationParameters ?? {}),
    loginParameters: resolveLoginParameters(config.loginParameters ?? [...LOGIN_PARAMETERS]),
    userinfo: config.userinfo ?? false,
    redirectUri: `${base.origin}${basePath}/callback`,
    postLogoutRedirectUri: config.postLogoutRedirectUri ?? `${base.origin}${basePath}/logout/callback`,
    logoutIdTokenHint: config.logoutIdTokenHint ?? false,
    cookiePasswords: resolveSecrets('cookieSecret', config.cookieSecret),
    apis: resolveApis(config.apis ?? {}),
    session: resolveSession(config.session ?? {}),
    admin: resolveAdmin(config.admin),
    maxBodySize: positive('maxBodySize', config.maxBodySize ?? 10 * 1024 * 1024),
    refreshMargin: positive('refreshMargin', config.refreshMargin ?? 30),
    replayableBodySize: nonNegative('replayableBodySize', config.replayableBodySize ?? 64 * 1024),
    timeouts: {
      idp: positive('timeouts.idp', config.timeouts?.idp ?? 10_000),
      upstream: positive('timeouts.upstream', config.timeouts?.upstream ?? 30_000),
      upstreamTotal:
        config.timeouts?.upstreamTotal === undefined ? undefined : positive('timeouts.upstreamTotal', config.timeouts.upstreamTotal),
    },
    insecureIssuer,
  };
  checkTokenBindings(resolved);
  return resolved;
}

function resolveScopes(scopes: string[] | undefined): string[] {
  if (scopes === undefined) return ['openid', 'profile', 'email', 'offline_access'];
  if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))) {
    throw new ConfigError('scopes', 'must be a list of scope tokens (RFC 6749 §3.3)');
  }
  if (!scopes.includes('openid')) throw new ConfigError('scopes', 'must include openid');
  return scopes;
}

function resolveAuthorizationParameters(parameters: Record<string, string>): Record<string, string> {
  if (typeof parameters !== 'object' || parameters === null) throw new ConfigError('authorizationParameters', 'must be an object');
  for (const [name, value] of Object.entries(parameters)) {
    if (PROTOCOL_PARAMETERS.has(name)) throw new ConfigError(`authorizationParameters.${name}`, 'is set by the BFF itself');
    if (typeof value !== 'string') throw new ConfigError(`authorizationParameters.${name}`, 'must be a string');
  }
  return { ...parameters };
}

function resolveLoginParameters(parameters: LoginParameter[]): LoginParameter[] {
  if (!Array.isArray(parameters) || parameters.some((name) => !LOGIN_PARAMETERS.includes(name))) {
    throw new ConfigError('loginParameters', `may list only ${LOGIN_PARAMETERS.join(', ')}`);
  }
  return [...parameters];
}

function resolveSession(session: SessionConfig): ResolvedConfig['session'] {
  const absoluteLifetime = positive('session.absoluteLifetime', session.absoluteLifetime ?? 8 * 3600);
  const idleTimeout = positive('session.idleTimeout', session.idleTimeout ?? 3600);
  if (idleTimeout > absoluteLifetime) throw new ConfigError('session.idleTimeout', 'must not exceed session.absoluteLifetime');
  const store = session.store;
  if (store !== undefined && store !== 'cookie' && (typeof store !== 'object' || typeof store.get !== 'function')) {
    throw new ConfigError('session.store', "must be a SessionStore or 'cookie'");
  }
  const maxPerUser = session.maxPerUser ?? 20;
  if (!Number.isInteger(maxPerUser) || maxPerUser < 1) throw new ConfigError('session.maxPerUser', 'must be a whole number of at least 1');
  return { absoluteLifetime, idleTimeout, maxPerUser };
}

function resolveAdmin(admin: BffConfig['admin']): ResolvedConfig['admin'] {
  if (admin === undefined) return undefined;
  if (typeof admin?.token !== 'string' || admin.token.length < MIN_SECRET_LENGTH) {
    throw new ConfigError('admin.token', `must be at least ${MIN_SECRET_LENGTH} characters long`);
  }
  return { token: admin.token };
}

/**
 * Turns one secret, a list (the last is the newest) or a record of numbered secrets into the
 * password map iron-session expects, each at least 32 characters: the newest id seals, all unseal.
 */
export function resolveSecrets(field: string, secret: string | string[] | Record<string, string>): Record<string, string> {
  if (secret === undefined || secret === null) throw new ConfigError(field, 'is required');
  // Arrays rotate by position: the last one is the newest and seals.
  const map: Record<string, string> =
    typeof secret === 'string'
      ? { 1: secret }
      : Array.isArray(secret)
        ? Object.fromEntries(secret.map((s, i) => [String(i + 1), s]))
        : secret;
  const entries = Object.entries(map);
  if (entries.length === 0) throw new ConfigError(field, 'needs at least one secret');
  for (const [id, value] of entries) {
    if (!/^\d+$/.test(id)) throw new ConfigError(field, 'keys must be numeric ids');
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(field, `must be at least ${MIN_SECRET_LENGTH} characters long`);
    }
  }
  return map;
}

function resolveApis(apis: Record<string, ApiConfig>): ResolvedConfig['apis'] {
  const resolved: ResolvedConfig['apis'] = {};
  for (const [name, api] of Object.entries(apis)) {
    const field = `apis.${name}`;
    if (!/^[\w-]+$/.test(name)) throw new ConfigError(field, 'name may contain only letters, digits, _ and -');
    if (typeof api !== 'object' || api === null) throw new ConfigError(field, 'must be an object');
    if (api.baseUrl === undefined) throw new ConfigError(`${field}.baseUrl`, 'is required');
    const baseUrl = parseUrl(`${field}.baseUrl`, api.baseUrl);
    const token = api.token ?? 'user';
    if (!['user', 'user-optional', 'client', 'none'].includes(token)) {
      throw new ConfigError(`${field}.token`, "must be 'user', 'user-optional', 'client' or 'none'");
    }
    if (api.resource !== undefined) parseUrl(`${field}.resource`, api.resource);
    const tokenBinding = api.tokenBinding ?? 'bearer';
    if (tokenBinding !== 'bearer' && tokenBinding !== 'dpop') throw new ConfigError(`${field}.tokenBinding`, "must be 'bearer' or 'dpop'");
    if (tokenBinding === 'dpop' && token === 'none') throw new ConfigError(`${field}.tokenBinding`, "is 'dpop', but the API gets no token");
    resolved[name] = {
      baseUrl,
      token,
      scopes: api.scopes ?? [],
      forwardHeaders: (api.forwardHeaders ?? []).map((h) => h.toLowerCase()),
      responseHeaders: resolveResponseHeaders(`${field}.responseHeaders`, api.responseHeaders ?? []),
      privateResponses: api.privateResponses ?? true,
      ...(api.routes !== undefined ? { routes: compileRoutes(`${field}.routes`, api.routes) } : {}),
      allowAnonymous: api.allowAnonymous ?? false,
      tokenBinding,
      ...(api.resource !== undefined ? { resource: api.resource } : {}),
    };
  }
  return resolved;
}

/**
 * A session keeps one user token per resource, so the APIs that share one (those without a
 * `resource` share the sign-in's) must agree on its binding. A public client's refresh token is
 * bound to its DPoP key too (RFC 9449 §5), so that every refresh must carry a proof: all or none.
 */
function checkTokenBindings(config: ResolvedConfig): void {
  const signIn = loginResource(config);
  const users = Object.entries(config.apis).filter(([, api]) => usesUserToken(api));
  const byResource = new Map<string, [string, ApiTokenBinding]>();
  for (const [name, { resource = signIn, tokenBinding }] of users) {
    const [first, binding] = byResource.get(resource) ?? [name, tokenBinding];
    byResource.set(resource, [first, binding]);
    if (binding !== tokenBinding) {
      throw new ConfigError(
        `apis.${name}.tokenBinding`,
        `differs from apis.${first}'s, which gets the same user token (the same resource)`,
      );
    }
  }
  if (config.clientAuthentication === 'none' && new Set(users.map(([, api]) => api.tokenBinding)).size > 1) {
    throw new ConfigError(
      'apis',
      "mix 'dpop' and 'bearer' user tokens, but a public client's refresh token is bound to its DPoP key (RFC 9449 §5): give every API with a user token the same tokenBinding",
    );
  }
}

/** One allowed `METHOD /path` of an API. */
export interface AllowedRoute {
  methods: readonly string[];
  path: RegExp;
}

function compileRoutes(field: string, routes: string[]): AllowedRoute[] {
  if (!Array.isArray(routes)) throw new ConfigError(field, "must be a list such as ['GET /orders', 'GET /orders/:id']");
  return routes.map((route) => {
    const match = typeof route === 'string' ? /^([A-Z]+) (\/\S*)$/.exec(route) : null;
    if (!match) throw new ConfigError(field, `has ${JSON.stringify(route)}; write 'METHOD /path', e.g. 'GET /orders/:id'`);
    const [, method, path] = match as unknown as [string, string, string];
    const segments = path.split('/').slice(1);
    const pattern = segments
      .map((segment, index) => {
        if (segment === '*' && index === segments.length - 1) return '(?:/.*)?';
        if (segment.includes('*')) throw new ConfigError(field, `has ${JSON.stringify(route)}: * may only end a path`);
        return `/${segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
      })
      .join('');
    return { methods: method === 'GET' ? ['GET', 'HEAD'] : [method], path: new RegExp(`^${pattern || '/?'}$`) };
  });
}

function resolveResponseHeaders(field: string, names: string[]): string[] {
  const lower = names.map((name) => String(name).toLowerCase());
  const refused = lower.find((name) => NEVER_FORWARDED_RESPONSE_HEADERS.has(name));
  if (refused) throw new ConfigError(field, `must not name ${refused}: the BFF owns the app origin's cookies`);
  return lower;
}

function parseUrl(field: string, value: unknown): URL {
  requireString(field, value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(field, `is not a valid absolute URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:' && !field.endsWith('.resource')) {
    throw new ConfigError(field, 'must be an http(s) URL');
  }
  return url;
}

function requireString(field: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError(field, 'is required');
}

function nonNegative(field: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(field, 'must be zero or a positive number');
  return value;
}

function positive(field: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(field, 'must be a positive number');
  return value;
}
