/**
 * The configured verifier: the token from the request, JWT or introspection per token, its binding
 * (a DPoP proof, or none for a bearer token), then the revocation hook.
 */
import { extractAccessToken } from './authorization.js';
import type { AuthScheme } from './authorization.js';
import type { AccessTokenClaims } from './claims.js';
import { createDiscovery } from './discovery.js';
import { GuardError, InvalidToken, TemporarilyUnavailable } from './errors.js';
import type { HttpSettings } from './http.js';
import { createIntrospector } from './introspection.js';
import type { IntrospectionAuthMethod } from './introspection.js';
import { DEFAULT_ALGORITHMS, checkAlgorithms, createJwtVerifier, isJwtShaped, remoteKeySet } from './jwt.js';
import { dpopSettings, verifyDpopProof } from './dpop.js';
import type { DpopOptions } from './dpop.js';
import { checkBearerToken, dpopThumbprint, schemesOf } from './token-binding.js';
import type { TokenBinding } from './token-binding.js';

/** How a token was validated. */
export type TokenFormat = 'jwt' | 'opaque';

/** Where and how often the issuer's keys are fetched. */
export interface JwksOptions {
  /** The JWKS URL; by default the `jwks_uri` of the issuer's discovered metadata. */
  uri?: string | undefined;
  /** Seconds the fetched keys are trusted before the next fetch: how long a removed key keeps working. Default 600. */
  cacheMaxAge?: number | undefined;
  /** Seconds after a fetch before an unknown `kid` may trigger another. Default 30. */
  cooldown?: number | undefined;
  /**
   * Verified tokens remembered by their exact value (each for at most `cacheMaxAge`, never past
   * its `exp`), so that a token seen again skips the signature check. Default 10,000; 0 turns it off.
   */
  verifiedTokens?: number | undefined;
}

/** RFC 7662 introspection, for opaque tokens. */
export interface IntrospectionOptions {
  /** This API's client id at the authorization server. */
  clientId: string;
  /** This API's client secret. */
  clientSecret: string;
  /** Client authentication at the endpoint. Default `client_secret_basic`. */
  authMethod?: IntrospectionAuthMethod | undefined;
  /** The endpoint; by default the `introspection_endpoint` of the issuer's discovered metadata. */
  endpoint?: string | undefined;
  /**
   * Seconds an active response is reused, never past the token's `exp`. Default 30; `0` disables
   * the cache. This is how long a revoked token can still be accepted.
   */
  cacheMaxAge?: number | undefined;
  /** Most cached responses. Default 10 000. */
  cacheMaxEntries?: number | undefined;
}

/** Options of {@link createAccessTokenVerifier} (and of `requireAccessToken`). */
export interface AccessTokenVerifierOptions {
  /** The authorization server's issuer identifier: the exact expected `iss`, and where discovery starts. */
  issuer: string;
  /** This API's identifier(s): a token's `aud` must name one. */
  audience: string | readonly string[];
  /**
   * `jwt`: every token is a JWT, verified locally. `opaque`: every token is introspected. `auto`: a
   * JWT-shaped token is verified as a JWT, anything else is introspected. Default: `auto` when
   * `introspection` is configured, else `jwt`.
   */
  tokenType?: 'jwt' | 'opaque' | 'auto' | undefined;
  /** Allowed JWS algorithms: asymmetric only (`none` and `HS*` are refused). Default: RS256, PS256, ES256, EdDSA. */
  algorithms?: readonly string[] | undefined;
  /** Required JWT `typ` header, e.g. `at+jwt` (RFC 9068), which also requires every RFC 9068 claim. */
  typ?: string | undefined;
  /** The issuer's keys, for JWTs. */
  jwks?: JwksOptions | undefined;
  /** Introspection, for opaque tokens. */
  introspection?: IntrospectionOptions | undefined;
  /**
   * Which access tokens are accepted: `bearer` (the default; sender-constrained tokens are
   * refused), `dpop` (DPoP-bound tokens with their proofs only, RFC 9449), or `bearer-or-dpop`
   * (either, and a DPoP-bound token only with its proof).
   */
  tokenBinding?: TokenBinding | undefined;
  /** How DPoP proofs are checked, when `tokenBinding` accepts them. */
  dpop?: DpopOptions | undefined;
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. Default 5. */
  clockTolerance?: number | undefined;
  /** Refuse JWTs issued more than this many seconds ago (`iat`). */
  maxTokenAge?: number | undefined;
  /**
   * Called with the claims of every otherwise valid token; `true` refuses it as `invalid_token`.
   * For JWTs this is the only way to honour revocation before `exp`, e.g. a `jti` deny-list. If it
   * throws, the request gets a `503`: a deny-list that cannot be read must not let tokens through.
   */
  isRevoked?: ((claims: AccessTokenClaims, format: TokenFormat) => boolean | Promise<boolean>) | undefined;
  /** Seconds before a request to the authorization server is abandoned. Default 5. */
  timeout?: number | undefined;
  /** The `fetch` used for discovery, JWKS and introspection. Default: the global one. */
  fetch?: typeof fetch | undefined;
}

/** A request whose access token is valid, and validly presented. */
export interface VerifiedRequest {
  /** The token's claims. */
  readonly claims: AccessTokenClaims;
  /** How it was presented: as a bearer token, or as a DPoP-bound token with its proof. */
  readonly scheme: AuthScheme;
  /** A fresh DPoP nonce for the response's `DPoP-Nonce` header (RFC 9449 §9), when the proof's was not the current one. */
  readonly dpopNonce?: string;
}

/** Validates access tokens. */
export interface AccessTokenVerifier {
  /** The authentication schemes accepted (`Bearer`, `DPoP`), from `tokenBinding`. */
  readonly schemes: readonly AuthScheme[];
  /** The JWS algorithms accepted for DPoP proofs; empty when DPoP is not accepted. */
  readonly dpopAlgorithms: readonly string[];
  /**
   * The claims of `token`, a bearer token, when it is valid. A sender-constrained token (`cnf`)
   * is refused: alone, it proves nothing (use {@link AccessTokenVerifier.verifyRequest}).
   * @throws {InvalidToken} when it is not valid.
   * @throws {TemporarilyUnavailable} when it cannot be checked now.
   */
  verify(token: string): Promise<AccessTokenClaims>;
  /**
   * The access token of `request` (its `Authorization` header, with a scheme `tokenBinding`
   * accepts), checked, and for a DPoP-bound token its proof (the `DPoP` header).
   * @throws {MissingToken} or `InvalidRequest` when the request carries no usable token.
   * @throws {InvalidToken} when the token is refused; `InvalidDpopProof` or `UseDpopNonce` when its proof is.
   * @throws {TemporarilyUnavailable} when it cannot be checked now.
   */
  verifyRequest(request: Request): Promise<VerifiedRequest>;
}

function seconds(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !Number.isFinite(resolved) || resolved < 0) {
    throw new TypeError(`${name}: expected a non-negative number of seconds`);
  }
  return resolved;
}

function wholeNumber(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < 0) throw new TypeError(`${name}: expected a non-negative whole number`);
  return resolved;
}

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new TypeError(`${name}: expected a non-empty string`);
  return value;
}

/** The audiences of `options`, checked. */
export function audiencesOf(options: Pick<AccessTokenVerifierOptions, 'audience'>): readonly string[] {
  const audience = typeof options.audience === 'string' ? [options.audience] : [...(options.audience ?? [])];
  if (audience.length === 0) throw new TypeError("audience: name this API's identifier");
  for (const value of audience) nonEmpty('audience', value);
  return Object.freeze(audience);
}

/**
 * A verifier for `options`, checked now (a misconfiguration throws a `TypeError` here, not on the
 * first request). Nothing is fetched until the first token arrives.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const issuer = nonEmpty('issuer', options.issuer);
  if (!URL.canParse(issuer)) throw new TypeError('issuer: expected a URL');
  const audience = audiencesOf(options);
  const algorithms = checkAlgorithms(options.algorithms ?? DEFAULT_ALGORITHMS);
  const clockTolerance = seconds('clockTolerance', options.clockTolerance, 5);
  const maxTokenAge = options.maxTokenAge === undefined ? undefined : seconds('maxTokenAge', options.maxTokenAge, 0);
  const http: HttpSettings = {
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    timeout: Math.round(seconds('timeout', options.timeout, 5) * 1000),
  };
  const schemes = schemesOf(options.tokenBinding ?? 'bearer');
  if (options.dpop !== undefined && !schemes.includes('DPoP')) {
    throw new TypeError('dpop: DPoP is not accepted; set tokenBinding to "dpop" or "bearer-or-dpop"');
  }
  const dpop = schemes.includes('DPoP') ? dpopSettings(options.dpop) : undefined;
  const tokenType: 'jwt' | 'opaque' | 'auto' = options.tokenType ?? (options.introspection ? 'auto' : 'jwt');
  if (!['jwt', 'opaque', 'auto'].includes(tokenType)) throw new TypeError('tokenType: expected jwt, opaque or auto');
  if (tokenType === 'opaque' && !options.introspection) throw new TypeError('tokenType "opaque" needs the introspection option');

  const discovery = createDiscovery(issuer, http);
  const jwksUri = options.jwks?.uri;
  if (jwksUri !== undefined && !URL.canParse(jwksUri)) throw new TypeError('jwks.uri: expected a URL');
  const jwksCacheMaxAge = seconds('jwks.cacheMaxAge', options.jwks?.cacheMaxAge, 600) * 1000;
  const verifyJwt = createJwtVerifier({
    issuer,
    audience,
    algorithms,
    clockTolerance,
    ...(options.typ !== undefined ? { typ: nonEmpty('typ', options.typ) } : {}),
    ...(maxTokenAge !== undefined ? { maxTokenAge } : {}),
    keys: remoteKeySet(jwksUri !== undefined ? () => Promise.resolve(new URL(jwksUri)) : () => discovery.endpoint('jwks_uri'), http, {
      cacheMaxAge: jwksCacheMaxAge,
      cooldownDuration: seconds('jwks.cooldown', options.jwks?.cooldown, 30) * 1000,
    }),
    verifiedCache: { maxEntries: wholeNumber('jwks.verifiedTokens', options.jwks?.verifiedTokens, 10_000), maxAge: jwksCacheMaxAge },
  });

  let introspect: ((token: string) => Promise<AccessTokenClaims>) | undefined;
  if (options.introspection) {
    const settings = options.introspection;
    const endpoint = settings.endpoint;
    if (endpoint !== undefined && !URL.canParse(endpoint)) throw new TypeError('introspection.endpoint: expected a URL');
    const authMethod = settings.authMethod ?? 'client_secret_basic';
    if (authMethod !== 'client_secret_basic' && authMethod !== 'client_secret_post') {
      throw new TypeError('introspection.authMethod: expected client_secret_basic or client_secret_post');
    }
    const cacheMaxEntries = wholeNumber('introspection.cacheMaxEntries', settings.cacheMaxEntries, 10_000);
    introspect = createIntrospector({
      issuer,
      audience,
      endpoint: endpoint !== undefined ? () => Promise.resolve(new URL(endpoint)) : () => discovery.endpoint('introspection_endpoint'),
      clientId: nonEmpty('introspection.clientId', settings.clientId),
      clientSecret: nonEmpty('introspection.clientSecret', settings.clientSecret),
      authMethod,
      http,
      clockTolerance,
      cacheMaxAge: seconds('introspection.cacheMaxAge', settings.cacheMaxAge, 30),
      cacheMaxEntries,
    });
  }

  const verifyOpaque =
    introspect ?? (() => Promise.reject(new InvalidToken('the token is not a JWT, and introspection is not configured')));
  const formatOf = (token: string): TokenFormat => {
    if (tokenType === 'auto') return isJwtShaped(token) ? 'jwt' : 'opaque';
    return tokenType;
  };

  const { isRevoked } = options;
  const checkRevocation =
    isRevoked &&
    (async (claims: AccessTokenClaims, format: TokenFormat): Promise<void> => {
      let revoked: boolean;
      try {
        revoked = await isRevoked(claims, format);
      } catch (cause) {
        if (cause instanceof GuardError) throw cause;
        throw new TemporarilyUnavailable('the revocation check failed', { cause });
      }
      if (revoked) throw new InvalidToken('the token has been revoked');
    });

  return {
    schemes,
    dpopAlgorithms: dpop?.algorithms ?? [],
    async verify(token) {
      const format = formatOf(token);
      const claims = await (format === 'jwt' ? verifyJwt(token) : verifyOpaque(token));
      checkBearerToken(claims);
      if (checkRevocation) await checkRevocation(claims, format);
      return claims;
    },
    async verifyRequest(request) {
      const { scheme, token } = extractAccessToken(request, schemes);
      const format = formatOf(token);
      const claims = await (format === 'jwt' ? verifyJwt(token) : verifyOpaque(token));
      let dpopNonce: string | undefined;
      if (scheme === 'Bearer') checkBearerToken(claims);
      // extractAccessToken answers DPoP only when it is accepted, and then `dpop` is set; fail closed all the same.
      else if (!dpop) throw new InvalidToken('DPoP is not accepted');
      else ({ nextNonce: dpopNonce } = await verifyDpopProof(request, token, dpopThumbprint(claims), dpop));
      if (checkRevocation) await checkRevocation(claims, format);
      return { claims, scheme, ...(dpopNonce !== undefined ? { dpopNonce } : {}) };
    },
  };
}
