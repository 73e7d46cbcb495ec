/**
 * DPoP proofs (RFC 9449): the checks a resource server makes on the proof that comes with a
 * DPoP-bound access token (§4.3, §7.1), with an optional server nonce (§9).
 */
import { EmbeddedJWK, base64url, calculateJwkThumbprint, errors, jwtVerify } from 'jose';
import type { JWK, JWTPayload } from 'jose';
import { epochSeconds } from './claims.js';
import { GuardError, InvalidDpopProof, InvalidToken, TemporarilyUnavailable, UseDpopNonce } from './errors.js';
import type { DpopNonceProvider } from './dpop-nonces.js';
import { MemoryReplayStore } from './dpop-replay.js';
import type { DpopReplayStore } from './dpop-replay.js';
import { checkAlgorithms, isJwtShaped } from './jwt.js';

/**
 * The default allowlist for proofs, announced in the challenges' `algs`: ES256 (the one most DPoP
 * clients use), Ed25519 (also spelled `EdDSA`), and PS256 and RS256 for clients with RSA keys.
 * Asymmetric only, as everywhere.
 */
export const DEFAULT_DPOP_ALGORITHMS: readonly string[] = Object.freeze(['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256']);

/**
 * The default `iatWindow`: 60 s. A client makes a proof for one request and sends it at once, so
 * the window only has to absorb clock skew between the client and the API. oidc-provider and
 * oauth4webapi allow 300 s; a shorter window shortens how long a captured proof is worth replaying
 * where the replay cache is not shared, and how long the cache must remember each `jti`. A client
 * whose clock is off by more is better served by nonces (`nonces`), which do not depend on it.
 */
export const DEFAULT_IAT_WINDOW = 60;

/** How DPoP proofs are checked. */
export interface DpopOptions {
  /** JWS algorithms accepted for proofs; asymmetric only. Default {@link DEFAULT_DPOP_ALGORITHMS}. */
  algorithms?: readonly string[] | undefined;
  /**
   * Seconds a proof's `iat` may lie before or after now, when the proof carries no server nonce.
   * Default {@link DEFAULT_IAT_WINDOW} (60).
   */
  iatWindow?: number | undefined;
  /**
   * Where proofs' `jti`s are remembered so that each proof is accepted once. Default: a
   * `MemoryReplayStore` of this guard; share one (e.g. `RedisReplayStore`) between instances.
   */
  replay?: DpopReplayStore | undefined;
  /**
   * Server-provided nonces (RFC 9449 §9), e.g. `createDpopNonces({ secret })`. When set, every
   * proof must carry a current one: without it, the answer is `401 use_dpop_nonce` with the nonce
   * in `DPoP-Nonce`, and the client retries with it.
   */
  nonces?: DpopNonceProvider | undefined;
  /**
   * The URL of the request as the client addressed it, which the proof's `htu` must name. Default:
   * `request.url`. Behind a proxy that changes the scheme, host or path, give the public one, e.g.
   * `(request) => new URL(new URL(request.url).pathname, 'https://api.example').href`.
   */
  requestUrl?: ((request: Request) => string) | undefined;
}

/** {@link DpopOptions}, checked, with the defaults applied. */
export interface DpopSettings {
  readonly algorithms: readonly string[];
  readonly iatWindow: number;
  readonly replay: DpopReplayStore;
  readonly nonces: DpopNonceProvider | undefined;
  readonly requestUrl: (request: Request) => string;
}

/**
 * The settings of `options`, checked at configuration time.
 * @throws {TypeError} naming the first invalid option.
 */
export function dpopSettings(options: DpopOptions = {}): DpopSettings {
  const iatWindow = options.iatWindow ?? DEFAULT_IAT_WINDOW;
  if (typeof iatWindow !== 'number' || !Number.isFinite(iatWindow) || iatWindow <= 0) {
    throw new TypeError('dpop.iatWindow: expected a positive number of seconds');
  }
  if (options.replay !== undefined && typeof options.replay.claimOnce !== 'function') {
    throw new TypeError('dpop.replay: expected an object with claimOnce(key, ttlSeconds)');
  }
  const { nonces } = options;
  if (nonces !== undefined && (typeof nonces.current !== 'function' || typeof nonces.accepts !== 'function' || !(nonces.lifetime > 0))) {
    throw new TypeError('dpop.nonces: expected a nonce provider (current(), accepts(nonce), lifetime), e.g. createDpopNonces()');
  }
  if (options.requestUrl !== undefined && typeof options.requestUrl !== 'function') {
    throw new TypeError('dpop.requestUrl: expected a function of the request');
  }
  return {
    algorithms: checkAlgorithms(options.algorithms ?? DEFAULT_DPOP_ALGORITHMS, 'dpop.algorithms'),
    iatWindow,
    replay: options.replay ?? new MemoryReplayStore(),
    nonces,
    requestUrl: options.requestUrl ?? ((request) => request.url),
  };
}

/** What a valid proof establishes. */
export interface VerifiedProof {
  /** The JWK SHA-256 thumbprint (RFC 7638) of the proof's key: the token's `cnf.jkt`. */
  readonly jkt: string;
  /** The current nonce, to hand the client in `DPoP-Nonce` when its proof carried an older one. */
  readonly nextNonce?: string;
}

async function sha256(text: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

/**
 * `url` without its query and fragment (RFC 9449 §4.3 step 9), normalised the way WHATWG URL
 * parsing does it (RFC 3986 §6.2.2 and §6.2.3: scheme and host in lower case, default port
 * dropped, empty path as `/`); `undefined` when it is no absolute URL.
 */
function htuOf(url: string): string | undefined {
  if (!URL.canParse(url)) return undefined;
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

/** The proof's claims, after its signature: what §4.2 requires, with the types it requires. */
function requiredClaims(payload: JWTPayload): { jti: string; htm: string; htu: string; iat: number; ath: unknown; nonce: unknown } {
  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (typeof jti !== 'string' || jti.length === 0) throw new InvalidDpopProof('DPoP proof: "jti" is missing or not a string');
  if (typeof htm !== 'string') throw new InvalidDpopProof('DPoP proof: "htm" is missing or not a string');
  if (typeof htu !== 'string') throw new InvalidDpopProof('DPoP proof: "htu" is missing or not a string');
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new InvalidDpopProof('DPoP proof: "iat" is missing or not a NumericDate');
  return { jti, htm, htu, iat, ath, nonce };
}

/** Asks the nonce provider; its failure is ours, not the client's. */
async function fromNonceProvider<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (cause) {
    throw new TemporarilyUnavailable('the DPoP nonce provider failed', { cause });
  }
}

/**
 * Checks the DPoP proof of `request`, which presented `accessToken` (bound to the key whose
 * thumbprint is `jkt`), in the order of RFC 9449 §4.3:
 *
 * 1. exactly one `DPoP` header, holding one compact JWS;
 * 2. `typ` is `dpop+jwt`; `alg` is on the allowlist (checked before any key is imported, so `none`
 *    and `HS256` never get one); the `jwk` header is a public key (a private one is refused) and the
 *    signature verifies with it;
 * 3. `jti`, `htm`, `htu`, `iat` present and well typed;
 * 4. `htm` is the request's method; `htu` its URL without query and fragment;
 * 5. `ath` is the base64url SHA-256 of the access token (so the proof is for this token);
 * 6. the proof key's thumbprint is the token's `cnf.jkt` (else {@link InvalidToken}: RFC 9449
 *    §7.1's "invalid DPoP key binding");
 * 7. freshness: with `nonces`, a current server nonce (else {@link UseDpopNonce}); without, `iat`
 *    within `iatWindow` of now;
 * 8. the `jti` was not seen before (per key), and is remembered for as long as the proof would
 *    pass step 7.
 *
 * Failures are {@link InvalidDpopProof} unless said otherwise; a replay cache or nonce provider
 * that fails is {@link TemporarilyUnavailable}.
 */
export async function verifyDpopProof(request: Request, accessToken: string, jkt: string, settings: DpopSettings): Promise<VerifiedProof> {
  const proof = request.headers.get('dpop');
  if (proof === null) throw new InvalidDpopProof('no DPoP header');
  // Two DPoP headers arrive joined by ", ", which no compact JWS contains.
  if (!isJwtShaped(proof)) throw new InvalidDpopProof('the DPoP header is not exactly one compact JWS');

  let payload: JWTPayload;
  let jwk: JWK;
  try {
    const verified = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...settings.algorithms] });
    payload = verified.payload;
    jwk = verified.protectedHeader.jwk as JWK;
  } catch (error) {
    if (error instanceof errors.JOSEError)
      throw new InvalidDpopProof(`DPoP proof refused (${error.code}): ${error.message}`, { cause: error });
    throw error;
  }
  const { jti, htm, htu, iat, ath, nonce } = requiredClaims(payload);

  if (htm !== request.method) throw new InvalidDpopProof('DPoP proof: "htm" is not the request method');
  const expectedHtu = htuOf(settings.requestUrl(request));
  if (expectedHtu === undefined || htuOf(htu) !== expectedHtu) throw new InvalidDpopProof('DPoP proof: "htu" is not the request URL');
  if (ath !== (await sha256(accessToken))) throw new InvalidDpopProof('DPoP proof: "ath" is not the hash of the access token');
  if ((await calculateJwkThumbprint(jwk, 'sha256')) !== jkt) {
    throw new InvalidToken('DPoP: the token is bound to another key than the proof\'s ("cnf.jkt")');
  }

  let ttl: number;
  let nextNonce: string | undefined;
  const { nonces } = settings;
  if (nonces) {
    const current = await fromNonceProvider(() => nonces.current());
    if (nonce === undefined) throw new UseDpopNonce(current, 'DPoP proof: no nonce, and this API requires one');
    if (typeof nonce !== 'string' || !(await fromNonceProvider(() => nonces.accepts(nonce)))) {
      throw new UseDpopNonce(current, 'DPoP proof: the nonce is not (or no longer) valid');
    }
    // The nonce vouches for freshness, whatever the client's clock put in `iat`.
    ttl = nonces.lifetime;
    if (nonce !== current) nextNonce = current;
  } else {
    const now = epochSeconds();
    if (Math.abs(now - iat) > settings.iatWindow) throw new InvalidDpopProof('DPoP proof: "iat" is outside the accepted window');
    ttl = iat + settings.iatWindow - now + 1;
  }

  // Keys of a fixed size, whatever the length of the `jti`; per key, so that no client can spend another's.
  const key = `dpop:${await sha256(`${jkt} ${jti}`)}`;
  let first: boolean;
  try {
    first = await settings.replay.claimOnce(key, Math.max(1, Math.ceil(ttl)));
  } catch (cause) {
    if (cause instanceof GuardError) throw cause;
    throw new TemporarilyUnavailable('the DPoP replay cache failed', { cause });
  }
  if (!first) throw new InvalidDpopProof('DPoP proof: replayed (its "jti" was seen before)');
  return { jkt, ...(nextNonce !== undefined ? { nextNonce } : {}) };
}
