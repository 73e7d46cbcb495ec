/**
 * The Hono middleware: `requireAccessToken`, and the per-route checks after it (`requireScope`,
 * `requireDpop`; `requireAcr` in step-up.ts).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { presentedScheme } from './authorization.js';
import type { AuthScheme } from './authorization.js';
import type { AccessTokenClaims } from './claims.js';
import { GuardError, InsufficientScope, MissingToken, errorResponse } from './errors.js';
import { assertScopeTokens, grantedScopes, missingScopes } from './scopes.js';
import { audiencesOf, createAccessTokenVerifier } from './verifier.js';
import type { AccessTokenVerifierOptions, VerifiedRequest } from './verifier.js';

/** Options of {@link requireAccessToken}. */
export interface AccessTokenOptions extends AccessTokenVerifierOptions {
  /**
   * The `realm` of the `WWW-Authenticate` challenges (RFC 6750 §3). Default: the (first) audience,
   * which tells a client what to ask a token for; `''` omits it.
   */
  realm?: string | undefined;
  /**
   * Called with every refusal before the response is sent; its `message` (and `cause`) says which
   * check failed, which the response never does. For logs and metrics: never log the token.
   */
  onError?: ((error: GuardError, c: Context) => void) | undefined;
}

/** The Hono environment behind {@link requireAccessToken}: the validated claims are `c.get('token')`. */
export type AccessTokenEnv<Claims extends AccessTokenClaims = AccessTokenClaims> = {
  Variables: { token: Claims };
};

interface GuardContext {
  readonly realm: string;
  readonly onError: ((error: GuardError, c: Context) => void) | undefined;
  /** The schemes the guard accepts, and the algorithms of DPoP proofs, for its challenges. */
  readonly schemes: readonly AuthScheme[];
  readonly dpopAlgorithms: readonly string[];
}

/** A request `requireAccessToken` admitted: by which guard, and how its token was presented. */
interface AcceptedRequest {
  readonly guard: GuardContext;
  readonly scheme: AuthScheme;
}

/** Requests whose token `requireAccessToken` accepted, for the per-route checks after it. */
const accepted = new WeakMap<Context, AcceptedRequest>();

/** Answers `error`, challenging with `schemes`: the one the request used, or all the guard accepts. */
function refuse(c: Context, guard: GuardContext, error: GuardError, schemes: readonly AuthScheme[]): Response {
  guard.onError?.(error, c);
  return errorResponse(error, { realm: guard.realm, schemes, dpopAlgorithms: guard.dpopAlgorithms });
}

/**
 * Admits only requests with a valid access token, and puts its claims at `c.get('token')`: a bearer
 * token, or with `tokenBinding: 'dpop'` (or `'bearer-or-dpop'`) a DPoP-bound token with a valid
 * proof (RFC 9449).
 *
 * Create it once per API (it holds the JWKS, introspection and DPoP replay caches) and put it in
 * front of every protected route; then {@link requireScope} (and `requireAcr`, {@link requireDpop})
 * per route. Refusals follow RFC 6750 §3 (and RFC 9449 §7.1 for DPoP), with an RFC 9457 problem
 * details body carrying a stable `code`:
 *
 * | situation | status | `WWW-Authenticate` | `code` |
 * |---|---|---|---|
 * | no token | 401 | `Bearer realm="…"` (and/or `DPoP realm="…", algs="…"`) | `missing_token` |
 * | malformed header, token in the URL | 400 | `Bearer realm="…", error="invalid_request"` | `invalid_request` |
 * | invalid, expired, revoked token; a DPoP-bound one as `Bearer` | 401 | `Bearer realm="…", error="invalid_token"` | `invalid_token` |
 * | missing or invalid DPoP proof, replayed proof | 401 | `DPoP realm="…", error="invalid_dpop_proof", algs="…"` | `invalid_dpop_proof` |
 * | proof without the server nonce | 401 + `DPoP-Nonce` | `DPoP realm="…", error="use_dpop_nonce", algs="…"` | `use_dpop_nonce` |
 * | JWKS / introspection / discovery down | 503 + `Retry-After` | – | `temporarily_unavailable` |
 *
 * @example
 * const app = new Hono<AccessTokenEnv>();
 * app.use(requireAccessToken({ issuer: 'https://idp.example', audience: 'https://api.example', typ: 'at+jwt' }));
 * app.get('/orders', requireScope('orders:read'), (c) => c.json({ sub: c.get('token').sub }));
 *
 * @typeParam Claims - the claims your issuer guarantees (like `jose`'s `jwtVerify<Payload>`: asserted, not checked).
 */
export function requireAccessToken<Claims extends AccessTokenClaims = AccessTokenClaims>(
  options: AccessTokenOptions,
): MiddlewareHandler<AccessTokenEnv<Claims>> {
  const verifier = createAccessTokenVerifier(options);
  const guard: GuardContext = {
    realm: options.realm ?? audiencesOf(options)[0] ?? '',
    onError: options.onError,
    schemes: verifier.schemes,
    dpopAlgorithms: verifier.dpopAlgorithms,
  };
  return createMiddleware<AccessTokenEnv<Claims>>(async (c, next) => {
    let verified: VerifiedRequest;
    try {
      verified = await verifier.verifyRequest(c.req.raw);
    } catch (error) {
      if (!(error instanceof GuardError)) throw error;
      const scheme = presentedScheme(c.req.raw, guard.schemes);
      return refuse(c, guard, error, scheme ? [scheme] : guard.schemes);
    }
    accepted.set(c, { guard, scheme: verified.scheme });
    c.set('token', verified.claims as Claims);
    await next();
    // RFC 9449 §9: a nonce may be renewed on any answer; set last, so the route's response has it.
    if (verified.dpopNonce !== undefined) c.header('DPoP-Nonce', verified.dpopNonce);
  });
}

/**
 * A per-route check of the token `requireAccessToken` accepted: `check` answers the refusal, if
 * any, which challenges with the scheme the token came with. Fails closed (an `Error`, so a 500)
 * when no `requireAccessToken` ran before it.
 */
export function tokenCheck(name: string, check: (claims: AccessTokenClaims) => GuardError | undefined): MiddlewareHandler<AccessTokenEnv> {
  return createMiddleware<AccessTokenEnv>(async (c, next) => {
    const request = accepted.get(c);
    const claims = c.get('token') as AccessTokenClaims | undefined;
    if (!request || !claims) throw new Error(`${name}() must run after requireAccessToken()`);
    const error = check(claims);
    if (error) return refuse(c, request.guard, error, [request.scheme]);
    await next();
  });
}

/**
 * Admits only requests whose token (validated by {@link requireAccessToken} before it) grants every
 * one of `scopes`, from its `scope` claim (space-separated) or `scp` (array). Otherwise `403` with
 * `WWW-Authenticate: Bearer error="insufficient_scope", scope="<all of scopes>"` (RFC 6750 §3.1).
 *
 * @throws {TypeError} at once for a scope that is not a valid scope token; and, per request, an
 *   `Error` (a 500, never a pass) when no `requireAccessToken` ran before it.
 */
export function requireScope(...scopes: string[]): MiddlewareHandler<AccessTokenEnv> {
  assertScopeTokens(scopes);
  const required = Object.freeze([...new Set(scopes)]);
  return tokenCheck('requireScope', (claims) =>
    missingScopes(grantedScopes(claims), required).length > 0 ? new InsufficientScope(required) : undefined,
  );
}

/**
 * Admits only requests whose token came as a DPoP-bound token with its proof: for the routes that
 * need sender-constrained tokens behind a guard with `tokenBinding: 'bearer-or-dpop'`. A bearer
 * token gets `401` with `WWW-Authenticate: DPoP realm="…", algs="…"` (code `missing_token`: no
 * token this route accepts).
 *
 * @throws per request an `Error` (a 500, never a pass) when no `requireAccessToken` that accepts
 *   DPoP ran before it.
 */
export function requireDpop(): MiddlewareHandler<AccessTokenEnv> {
  return createMiddleware<AccessTokenEnv>(async (c, next) => {
    const request = accepted.get(c);
    if (!request?.guard.schemes.includes('DPoP')) {
      throw new Error("requireDpop() must run after requireAccessToken({ tokenBinding: 'dpop' | 'bearer-or-dpop' })");
    }
    if (request.scheme !== 'DPoP') return refuse(c, request.guard, new MissingToken('this route needs a DPoP-bound token'), ['DPoP']);
    await next();
  });
}
