/**
 * JWT access tokens (RFC 9068): signature by the issuer's JWKS, cached and rotated by `jose`.
 */
import { createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose';
import type { FlattenedJWSInput, JWSHeaderParameters, JWTVerifyGetKey, JWTVerifyOptions, RemoteJWKSet } from 'jose';
import { ClaimsCache } from './claims-cache.js';
import { checkCommonClaims, checkTimestamps } from './claims.js';
import type { AccessTokenClaims } from './claims.js';
import { GuardError, InvalidToken, TemporarilyUnavailable } from './errors.js';
import { fetchWithRetry } from './http.js';
import type { HttpSettings } from './http.js';

/**
 * Every asymmetric JWS algorithm `jose` verifies (RFC 7518 §3, RFC 8037, FIPS 204). Symmetric ones
 * (`HS256`…) are absent on purpose: their key is a shared secret, and a guard that verified `HS256`
 * with a key meant to be public would accept tokens "signed" with the issuer's public key (the
 * algorithm confusion attack). `none` is absent too: an unsigned token proves nothing.
 */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'ML-DSA-44',
  'ML-DSA-65',
  'ML-DSA-87',
]);

/**
 * The default allowlist: what identity providers sign access tokens with (RS256 is the one RFC 9068
 * §2.1 requires), one per key type. Name others (RS384, ES512…) in `algorithms` if yours uses them.
 */
export const DEFAULT_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519']);

/** RFC 9068 §2.2: the claims an `at+jwt` access token must carry. */
export const RFC9068_REQUIRED_CLAIMS: readonly string[] = Object.freeze(['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti']);

/**
 * Checks an algorithm allowlist at configuration time (`name` is the option, for the message).
 * @throws {TypeError} for an empty list, `none`, a symmetric algorithm or an unknown one.
 */
export function checkAlgorithms(algorithms: readonly string[], name = 'algorithms'): readonly string[] {
  if (algorithms.length === 0) throw new TypeError(`${name}: name at least one algorithm`);
  for (const alg of algorithms) {
    if (alg.toLowerCase() === 'none') throw new TypeError(`${name}: "none" is never acceptable: an unsigned token proves nothing`);
    if (/^HS\d+$/i.test(alg)) {
      throw new TypeError(`${name}: ${alg} is symmetric; verifying it with a public key lets anyone forge signatures`);
    }
    if (!ASYMMETRIC_ALGORITHMS.includes(alg))
      throw new TypeError(`${name}: ${JSON.stringify(alg)} is not a supported asymmetric JWS algorithm`);
  }
  return Object.freeze([...new Set(algorithms)]);
}

/** Whether `token` has the shape of a JWS in compact serialization (three base64url parts). */
export function isJwtShaped(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** How long `jose` keeps the issuer's keys, and how often an unknown `kid` may refetch them. */
export interface JwksCacheSettings {
  /** Milliseconds the keys are trusted before they are fetched again (so a removed key stops working). */
  readonly cacheMaxAge: number;
  /**
   * Milliseconds after a fetch before a token with an unknown `kid` may trigger another one. This
   * bounds the refetches that forged `kid`s can cause; a key the issuer adds is picked up after it.
   */
  readonly cooldownDuration: number;
}

/**
 * A key resolver over the issuer's JWKS, located lazily (by discovery, or a configured URL) and
 * cached by `jose`: it refetches when its copy is older than `cacheMaxAge`, or for an unknown `kid`
 * once `cooldownDuration` has passed since the last fetch. Cached keys keep working while the
 * issuer is down.
 *
 * A token whose `kid` matches no key (or several) is invalid; a JWKS that cannot be fetched or used
 * is {@link TemporarilyUnavailable}: the token may be fine.
 *
 * On the hot path the key jose selected for an (`alg`, `kid`) pair is remembered, so that a request
 * costs a map lookup instead of a walk through the key set. The memo is only used while jose's copy
 * is fresh, and is dropped as soon as a fetch starts; an entry is only made by a lookup during which
 * no fetch ran, so it always comes from the key set jose currently holds.
 */
export function remoteKeySet(locate: () => Promise<URL>, http: HttpSettings, cache: JwksCacheSettings): JWTVerifyGetKey {
  let keySet: RemoteJWKSet | undefined;
  let pending: Promise<RemoteJWKSet> | undefined;
  /** Incremented when a JWKS fetch starts: a memo entry from before it may name a removed key. */
  let generation = 0;
  let memo = new Map<string, CryptoKey>();
  let memoGeneration = 0;

  const create = async (): Promise<RemoteJWKSet> => {
    const url = await locate();
    keySet = createRemoteJWKSet(url, {
      timeoutDuration: http.timeout,
      cacheMaxAge: cache.cacheMaxAge,
      cooldownDuration: cache.cooldownDuration,
      [customFetch]: (href, init) => {
        generation += 1;
        return fetchWithRetry(http, href, init);
      },
    });
    return keySet;
  };

  /** The slow path: locate the key set if need be, and let jose select (and perhaps fetch). */
  const resolve = async (header: JWSHeaderParameters, token: FlattenedJWSInput, memoKey: string | undefined): Promise<CryptoKey> => {
    const keys =
      keySet ??
      (await (pending ??= create().finally(() => {
        pending = undefined;
      })));
    const before = generation;
    const quiet = !keys.reloading;
    let key: CryptoKey;
    try {
      key = await keys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new TemporarilyUnavailable('cannot fetch or use the JSON Web Key Set', { cause: error });
    }
    if (memoKey !== undefined && quiet && !keys.reloading && generation === before && memoGeneration === generation) {
      memo.set(memoKey, key);
    }
    return key;
  };

  return (header, token) => {
    // jose selects by `alg` and `kid` alone; a `kid` that is not a string matches nothing (no memo).
    const { alg, kid } = header;
    const memoKey = kid === undefined ? `${alg}` : typeof kid === 'string' ? `${alg} ${kid}` : undefined;
    if (memoGeneration !== generation) {
      memo = new Map();
      memoGeneration = generation;
    }
    if (memoKey !== undefined && keySet?.fresh && !keySet.reloading) {
      const remembered = memo.get(memoKey);
      if (remembered) return remembered;
    }
    return resolve(header, token, memoKey);
  };
}

/** What {@link createJwtVerifier} checks. */
export interface JwtSettings {
  /** Exact expected `iss`. */
  readonly issuer: string;
  /** Expected `aud`: the token must name at least one. */
  readonly audience: readonly string[];
  /** Allowed `alg` values, already checked by {@link checkAlgorithms}. */
  readonly algorithms: readonly string[];
  /** Required `typ` header, e.g. `at+jwt` (RFC 9068 §2.1; `application/at+jwt` matches too). */
  readonly typ?: string;
  /** Seconds of clock skew allowed on `exp`, `nbf`, `iat`. */
  readonly clockTolerance: number;
  /** Maximum age in seconds since `iat`, when set. */
  readonly maxTokenAge?: number;
  /** Resolves the verification key for a token's header. */
  readonly keys: JWTVerifyGetKey;
  /**
   * Tokens that passed, kept by their exact value so that the next request with the same token
   * skips the signature check. An entry lives at most `maxAge` milliseconds (the JWKS cache's age:
   * no longer than a removed key keeps working anyway) and never past the token's `exp`, or `iat` +
   * `maxTokenAge`. `maxEntries` 0 turns it off.
   */
  readonly verifiedCache: { readonly maxEntries: number; readonly maxAge: number };
}

/**
 * A verifier of JWT access tokens, in this order (each failure is {@link InvalidToken}, but a key set
 * that cannot be fetched is {@link TemporarilyUnavailable}):
 *
 * 1. compact JWS syntax; `alg` in the allowlist (checked before any key is looked up, so `none` and
 *    `HS256` never reach one); `crit` understood;
 * 2. the key: by `kid` and `alg` from the issuer's JWKS only (`jwk`, `jku`, `x5u` headers are
 *    ignored); the signature;
 * 3. `typ` when configured (RFC 9068 §4 step 1), and then all RFC 9068 §2.2 claims are required;
 * 4. `iss` (exact), `aud` (one of ours), `exp` (always required), `nbf`, `iat` (not in the
 *    future), each with the clock tolerance; `maxTokenAge` when set;
 * 5. well-typed `sub`, `client_id`, `jti`, `acr`, `auth_time`, `scope` / `scp`, `cnf` (whether a
 *    `cnf` is acceptable depends on how the token is presented: see `token-binding.ts`).
 *
 * A token that passed is remembered (see {@link JwtSettings.verifiedCache}): an API sees the same
 * access token on every call of its lifetime, and the same bytes give the same answer, as Envoy's
 * `jwt_authn` cache does. What can change with time is why an entry ends: at `exp`, at the token's
 * maximum age, or when the keys it was checked with may have changed. Revocation is not decided
 * here: `isRevoked` runs on every request.
 */
export function createJwtVerifier(settings: JwtSettings): (token: string) => Promise<AccessTokenClaims> {
  const requiredClaims = settings.typ?.toLowerCase().replace(/^application\//, '') === 'at+jwt' ? [...RFC9068_REQUIRED_CLAIMS] : ['exp'];
  const options: JWTVerifyOptions = {
    issuer: settings.issuer,
    audience: [...settings.audience],
    algorithms: [...settings.algorithms],
    requiredClaims,
    clockTolerance: settings.clockTolerance,
    ...(settings.typ !== undefined ? { typ: settings.typ } : {}),
    ...(settings.maxTokenAge !== undefined ? { maxTokenAge: settings.maxTokenAge } : {}),
  };
  const { maxEntries, maxAge } = settings.verifiedCache;
  const verified = new ClaimsCache(maxEntries);
  const remember = (token: string, claims: AccessTokenClaims) => {
    const ends = [Date.now() + maxAge];
    if (typeof claims.exp === 'number') ends.push(claims.exp * 1000); // always there: `exp` is required
    if (settings.maxTokenAge !== undefined && typeof claims.iat === 'number') ends.push((claims.iat + settings.maxTokenAge) * 1000);
    verified.set(token, Object.freeze(claims), Math.min(...ends));
  };

  return async (token) => {
    const known = verified.get(token);
    if (known) return known;
    let claims: AccessTokenClaims;
    try {
      ({ payload: claims } = await jwtVerify<AccessTokenClaims>(token, settings.keys, options));
    } catch (error) {
      if (error instanceof GuardError) throw error;
      if (error instanceof errors.JOSEError) throw new InvalidToken(`JWT refused (${error.code}): ${error.message}`, { cause: error });
      throw error;
    }
    // jose checks `iat` only together with `maxTokenAge`; the rest is repeated here on purpose,
    // so that both token formats go through one set of time checks.
    checkTimestamps(claims, settings.clockTolerance);
    checkCommonClaims(claims);
    remember(token, claims);
    return claims;
  };
}
