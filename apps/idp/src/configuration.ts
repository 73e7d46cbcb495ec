import { randomBytes } from 'node:crypto';
import { errors } from 'oidc-provider';
import type { BaseTokenLike, Client, ClientMetadata, Configuration, KoaContextWithOIDC, UnknownObject } from 'oidc-provider';
import { processAdapter } from './adapter.js';
import { OIDC_SCOPES, allowsBrowserOrigin } from './clients.js';
import { DEV_COOKIE_KEYS } from './keys.js';
import { buildInteractionPolicy } from './interaction-policy.js';
import { errorPage, logoutPage, postLogoutPage } from './pages.js';
import { resourcesForScope } from './resource-servers.js';
import type { ResourceServers } from './resource-servers.js';
import { MFA_ACR, PASSWORD_ACR, findAccount } from './users.js';

/** Token and session lifetimes, in seconds. */
export interface Lifetimes {
  accessToken: number;
  idToken: number;
  refreshToken: number;
  session: number;
}

/** Everything {@link buildConfiguration} needs. */
export interface ConfigurationSettings {
  issuer: string;
  clients: ClientMetadata[];
  resourceServers: ResourceServers;
  lifetimes: Lifetimes;
  /** Private signing JWKs, all published in the JWKS; the first one (per algorithm) signs. */
  signingKeys: readonly Record<string, unknown>[];
  /** Which choices of real IdPs this one imitates; {@link DEFAULT_PROFILE} when omitted. */
  profile?: Profile;
}

/**
 * The choices in which real IdPs differ and which a BFF must cope with. Each member is documented
 * with its `startIdp` option in start-idp.ts; {@link DEFAULT_PROFILE} is the dev IdP's own choice.
 */
export interface Profile {
  /** Token endpoint auth methods (`token_endpoint_auth_methods_supported`); `undefined`: oidc-provider's. */
  clientAuthMethods: readonly string[] | undefined;
  pushedAuthorizationRequests: 'off' | 'on' | 'required';
  refreshTokens: boolean;
  endSession: boolean;
  revocation: boolean;
  claimsInIdToken: boolean;
  /** OIDC scopes the IdP knows (a subset of `OIDC_SCOPES`, with `openid`). */
  scopes: readonly string[];
  /** Every DPoP proof must carry a nonce of the IdP (RFC 9449 §8), as Okta's and Auth0's must. */
  dpopNonces: boolean;
  /** The FAPI 2.0 Security Profile (see `startIdp`'s `fapi2`). */
  fapi2: boolean;
}

/** The dev IdP's own profile: everything on, PAR offered but not required, claims in the ID token. */
export const DEFAULT_PROFILE: Profile = Object.freeze({
  clientAuthMethods: undefined,
  pushedAuthorizationRequests: 'on',
  refreshTokens: true,
  endSession: true,
  revocation: true,
  claimsInIdToken: true,
  scopes: OIDC_SCOPES,
  dpopNonces: false,
  fapi2: false,
});

/** FAPI 2.0 Security Profile §5.4.1: the JWS algorithms it allows. */
export const FAPI2_ALGORITHMS: readonly string[] = Object.freeze(['PS256', 'ES256', 'EdDSA']);

/** Claims by scope; a scope the profile lacks is not known to oidc-provider at all (nor its claims). */
const SCOPE_CLAIMS: Readonly<Record<string, string[]>> = Object.freeze({
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  email: ['email', 'email_verified'],
});

/** What a code or refresh token remembers of the sign-in it came from. */
interface SignInRecord {
  readonly acr?: unknown;
  readonly amr?: unknown;
  readonly authTime?: unknown;
}

/**
 * RFC 9068 §2.2.1: a user's access token says how and when the user signed in (`acr`, `amr`,
 * `auth_time`), taken from the authorization code or refresh token it is issued for, so that a
 * resource server can demand step-up authentication (RFC 9470). They reach JWTs and introspection
 * responses alike. Client-credentials tokens have no user, and none of these claims.
 */
function signInClaims(ctx: KoaContextWithOIDC | undefined, token: BaseTokenLike): UnknownObject | undefined {
  if (token.kind !== 'AccessToken') return undefined;
  const entities = ctx?.oidc.entities ?? {};
  const source = (entities.AuthorizationCode ?? entities.RefreshToken) as SignInRecord | undefined;
  if (!source) return undefined;
  const { acr, amr, authTime } = source;
  return {
    ...(acr !== undefined ? { acr } : {}),
    ...(amr !== undefined ? { amr } : {}),
    ...(authTime !== undefined ? { auth_time: authTime } : {}),
  };
}

function sendPage(ctx: KoaContextWithOIDC, html: string): void {
  ctx.type = 'html';
  ctx.body = html;
}

/** The oidc-provider configuration of the dev IdP. */
export function buildConfiguration({
  issuer,
  clients,
  resourceServers,
  lifetimes,
  signingKeys,
  profile = DEFAULT_PROFILE,
}: ConfigurationSettings): Configuration {
  const accessTokenTtl = () => lifetimes.accessToken;
  const knows = (scope: string) => profile.scopes.includes(scope);
  return {
    adapter: processAdapter(issuer),
    clients,
    findAccount,
    // Copies: oidc-provider must not share (or alter) the caller's key objects.
    jwks: { keys: signingKeys.map((key) => ({ ...key })) },
    cookies: { keys: [...DEV_COOKIE_KEYS] },
    // oidc-provider adds the scopes of `claims` to these (and advertises both as scopes_supported).
    scopes: ['openid', 'offline_access'].filter(knows),
    // Every ID token says how the user signed in (`acr`, `amr`), as Keycloak's and Entra's do:
    // oidc-provider would add `acr` only when acr_values asked for it, and `amr` never.
    claims: {
      ...Object.fromEntries(Object.entries(SCOPE_CLAIMS).filter(([scope]) => knows(scope))),
      openid: ['sub', 'acr', 'amr'],
      amr: null,
    },
    // By default, put the scope-granted claims into the ID token even when an access token for the
    // userinfo endpoint is issued: the BFF reads the user's name and email from the ID token alone.
    // Otherwise (OIDC Core §5.4, Okta) an ID token issued with a userinfo access token has `sub` and
    // protocol claims only, and the profile and email claims come from the userinfo endpoint.
    conformIdTokenClaims: !profile.claimsInIdToken,
    // A password, and a password with a one-time code; advertised as acr_values_supported.
    acrValues: [PASSWORD_ACR, MFA_ACR],
    // Asking for MFA_ACR (acr_values) brings the one-time-code page after the password.
    interactions: { policy: buildInteractionPolicy() },
    extraTokenClaims: signInClaims,
    ...(profile.clientAuthMethods ? { clientAuthMethods: [...profile.clientAuthMethods] } : {}),
    // Authorization code only (no implicit or hybrid), with PKCE for every client; v9 knows only S256.
    responseTypes: ['code'],
    pkce: { required: () => true },
    // oidc-provider drops `offline_access` unless the request also says `prompt=consent` (OIDC Core
    // §11), so a BFF asking for it the usual way would get no refresh token. Confidential clients
    // with the refresh_token grant therefore always get one; without `offline_access` it is bound
    // to the IdP session (ends with it, e.g. at logout), with it (and prompt=consent) it is not.
    // Without refresh tokens the key is left out: with oidc-provider's own policy (and neither
    // `offline_access` nor a client allowed the grant) the refresh_token grant does not even exist.
    ...(profile.refreshTokens
      ? {
          issueRefreshToken: (_ctx: KoaContextWithOIDC, client: Client, code: { scopes: Set<string> }) =>
            client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || client.clientAuthMethod !== 'none'),
        }
      : {}),
    rotateRefreshToken: true,
    // oidc-provider v9 refuses outgoing requests to special-use IPs (SSRF protection) by giving
    // `fetch` its own dispatcher; a dev IdP must reach BFFs on loopback for back-channel logout.
    // Safe here: only statically registered clients' URLs are ever fetched (no dynamic registration).
    fetch: (url, { dispatcher: _ssrfGuard, ...init }) => fetch(url, init),
    // The BFF talks to the IdP server to server; only a public client's own pages (the
    // token-in-the-browser comparison SPA) may call the token endpoint from script.
    clientBasedCORS: (_ctx, origin, client) => allowsBrowserOrigin(client, origin),
    renderError: (ctx, out) => {
      sendPage(ctx, errorPage('Something went wrong', out));
    },
    ttl: {
      AccessToken: accessTokenTtl,
      ClientCredentials: accessTokenTtl,
      IdToken: () => lifetimes.idToken,
      RefreshToken: () => lifetimes.refreshToken,
      Session: () => lifetimes.session,
      // A grant must outlive the refresh tokens and sessions that point at it.
      Grant: () => Math.max(lifetimes.refreshToken, lifetimes.session),
      Interaction: () => 60 * 60,
      AuthorizationCode: () => 60,
    },
    // FAPI 2.0: only its algorithms sign ID tokens and client assertions (and the JWT access tokens
    // of the resource servers, configured there).
    ...(profile.fapi2
      ? { enabledJWA: { idTokenSigningAlgValues: [...FAPI2_ALGORITHMS], clientAuthSigningAlgValues: [...FAPI2_ALGORITHMS] } }
      : {}),
    features: {
      devInteractions: { enabled: false },
      // oidc-provider's FAPI 2.0 checks: PKCE, a client assertion whose `aud` is the issuer, an exact redirect_uri.
      ...(profile.fapi2 ? { fapi: { enabled: true, profile: '2.0' } } : {}),
      pushedAuthorizationRequests: {
        enabled: profile.pushedAuthorizationRequests !== 'off',
        requirePushedAuthorizationRequests: profile.pushedAuthorizationRequests === 'required',
      },
      revocation: {
        enabled: profile.revocation,
        // A client may revoke only its own tokens.
        allowedPolicy: (ctx, client, token) => token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        // Confidential clients (BFFs, resource servers) may introspect; public ones only their own tokens.
        allowedPolicy: (_ctx, client, token) => client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: profile.endSession,
        logoutSource: (ctx, form) => sendPage(ctx, logoutPage(form, ctx.host)),
        postLogoutSuccessSource: (ctx) => sendPage(ctx, postLogoutPage(ctx.oidc.client?.clientName)),
      },
      // Without an end-session endpoint nothing could end an IdP session, so nothing to announce.
      backchannelLogout: { enabled: profile.endSession },
      clientCredentials: { enabled: true },
      // RFC 9449 (on by default in oidc-provider v9; stated here because tests rely on it): a token
      // request with a DPoP proof gets a DPoP-bound access token (`token_type: DPoP`, `cnf.jkt`, in the
      // JWT and in introspection), and one without a proof a bearer token, as before. With `dpopNonces`,
      // a proof without the IdP's current nonce gets `use_dpop_nonce` and the nonce in `DPoP-Nonce`.
      dPoP: profile.dpopNonces ? { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } : { enabled: true },
      resourceIndicators: {
        enabled: true,
        // With several granted resources and none named at the token endpoint, the first one wins;
        // with none named at authorization, the resources whose scopes were requested are used.
        defaultResource: (ctx, _client, oneOf) => {
          if (oneOf) return oneOf[0];
          const scope = ctx.oidc.params?.scope;
          const matches = resourcesForScope(resourceServers, typeof scope === 'string' ? scope : undefined);
          return matches.length > 1 ? matches : matches[0];
        },
        getResourceServerInfo: (_ctx, indicator) => {
          const server = Object.hasOwn(resourceServers, indicator) ? resourceServers[indicator] : undefined;
          if (!server) throw new errors.InvalidTarget(`unknown resource indicator: ${indicator}`);
          return {
            scope: server.scope,
            audience: server.audience ?? indicator,
            accessTokenFormat: server.accessTokenFormat,
            accessTokenTTL: lifetimes.accessToken,
            ...(server.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: 'RS256' } } } : {}),
          };
        },
        // Without this, a code exchange or refresh that names no resource gets a userinfo-only
        // token whenever `openid` was requested, instead of a token for the resource granted.
        useGrantedResource: () => true,
      },
    },
  };
}
