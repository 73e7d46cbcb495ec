/**
 * The Hono middleware: `requireAccessToken` and `requireScope`.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { extractBearerToken } from './bearer.js';
import type { AccessTokenClaims } from './claims.js';
import { GuardError, InsufficientScope, errorResponse } from './errors.js';
import { assertScopeTokens, grantedScopes, missingScopes } from './scopes.js';
import { audiencesOf, createAccessTokenVerifier } from './verifier.js';
import type { AccessTokenVerifierOptions } from './verifier.js';

/** Options of {@link requireAccessToken}. */
export interface AccessTokenOptions extends AccessTokenVerifierOptions {
  /**
   * The `realm` of the `WWW-Authenticate` challenges (RFC 6750 §3). Default: the (first) audience,
   * which tells a client what to ask a token for; `''` omits it.
   */
  realm?: string;
  /**
   * Called with every refusal before the response is sent; its `message` (and `cause`) says which
   * check failed, which the response never does. For logs and metrics: never log the token.
   */
  onError?: (error: GuardError, c: Context) => void;
}

/** The Hono environment behind {@link requireAccessToken}: the validated claims are `c.get('token')`. */
export type AccessTokenEnv<Claims extends AccessTokenClaims = AccessTokenClaims> = {
  Variables: { token: Claims };
};

interface GuardContext {
  readonly realm: string;
  readonly onError: ((error: GuardError, c: Context) => void) | undefined;
}

/** Requests whose token `requireAccessToken` accepted, with its settings, for `requireScope`. */
const accepted = new WeakMap<Context, GuardContext>();

function refuse(c: Context, guard: GuardContext, error: GuardError): Response {
  guard.onError?.(error, c);
  return errorResponse(error, { realm: guard.realm });
}

/**
 * Admits only requests with a valid bearer access token, and puts its claims at `c.get('token')`.
 *
 * Create it once per API (it holds the JWKS and introspection caches) and put it in front of every
 * protected route; then {@link requireScope} per route. Refusals follow RFC 6750 §3, with an RFC 9457
 * problem details body carrying a stable `code`:
 *
 * | situation | status | `WWW-Authenticate` | `code` |
 * |---|---|---|---|
 * | no token | 401 | `Bearer realm="…"` | `missing_token` |
 * | malformed header, token in the URL | 400 | `Bearer realm="…", error="invalid_request"` | `invalid_request` |
 * | invalid, expired, revoked token | 401 | `Bearer realm="…", error="invalid_token"` | `invalid_token` |
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
  const guard: GuardContext = { realm: options.realm ?? audiencesOf(options)[0] ?? '', onError: options.onError };
  return createMiddleware<AccessTokenEnv<Claims>>(async (c, next) => {
    let claims: AccessTokenClaims;
    try {
      claims = await verifier.verify(extractBearerToken(c.req.raw));
    } catch (error) {
      if (error instanceof GuardError) return refuse(c, guard, error);
      throw error;
    }
    accepted.set(c, guard);
    c.set('token', claims as Claims);
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
  return createMiddleware<AccessTokenEnv>(async (c, next) => {
    const guard = accepted.get(c);
    const claims = c.get('token') as AccessTokenClaims | undefined;
    if (!guard || !claims) throw new Error('requireScope() must run after requireAccessToken()');
    if (missingScopes(grantedScopes(claims), required).length > 0) {
      return refuse(c, guard, new InsufficientScope(required));
    }
    await next();
  });
}
