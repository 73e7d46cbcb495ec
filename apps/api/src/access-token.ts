import { createMiddleware } from 'hono/factory';
import type { MiddlewareHandler } from 'hono';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { problem } from './problem.js';

/** Where access tokens come from and whom they must be for. */
export interface AccessTokenOptions {
  /** Expected `iss`; its discovery document names the JWKS. */
  issuer: string;
  /** Expected `aud`: this API's resource indicator. */
  audience: string;
  /** JWKS location; skips discovery when given. */
  jwksUri?: string;
}

/** The verified claims of an RFC 9068 JWT access token. */
export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  scope?: string;
  client_id?: string;
}

/** Hono environment of routes behind {@link accessTokens}: the verified token is `c.get('accessToken')`. */
export type AccessTokenEnv = { Variables: { accessToken: AccessTokenClaims } };

/** The issuer's keys could not be fetched: the token may be fine, so this is a 503, not a 401. */
class KeysUnavailable extends Error {}

const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

async function discoverJwksUri(issuer: string): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
  if (!response.ok) throw new Error(`discovery answered HTTP ${response.status}`);
  const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (metadata.issuer !== issuer) throw new Error('discovery document names another issuer');
  if (typeof metadata.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri');
  return metadata.jwks_uri;
}

/**
 * A key resolver that discovers the JWKS lazily, once, and tries again on the next request after
 * a failure (an IdP that starts after the API must not leave it broken). jose caches the keys and
 * refetches only for an unknown `kid`, so cached keys keep working while the IdP is down.
 */
function lazyKeySet(options: AccessTokenOptions): JWTVerifyGetKey {
  let keySet: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const resolve = () => {
    keySet ??= (options.jwksUri ? Promise.resolve(options.jwksUri) : discoverJwksUri(options.issuer)).then(
      (jwksUri) => createRemoteJWKSet(new URL(jwksUri)),
      (cause: unknown) => {
        keySet = undefined;
        throw new KeysUnavailable('cannot discover the issuer\'s keys', { cause });
      },
    );
    return keySet;
  };
  return async (header, token) => {
    const keys = await resolve();
    try {
      return await keys(header, token);
    } catch (error) {
      // No matching key or an unusable one: the token's fault. Timeouts, HTTP or network errors: ours.
      if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout) && error.code !== 'ERR_JOSE_GENERIC') {
        throw error;
      }
      throw new KeysUnavailable('cannot fetch the issuer\'s keys', { cause: error });
    }
  };
}

function describe(error: InstanceType<typeof errors.JOSEError>): string {
  if (error instanceof errors.JWTExpired) return 'the access token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the access token's "${error.claim}" is not acceptable`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the access token signature is invalid';
  return 'the access token is malformed or not acceptable';
}

function invalidToken(detail: string): Response {
  return problem(401, 'invalid_token', detail, {
    'www-authenticate': `Bearer error="invalid_token", error_description="${detail.replace(/["\\]/g, '')}"`,
  });
}

/**
 * Bearer-token checking for a resource API (RFC 6750 + RFC 9068): signature via the issuer's JWKS,
 * `iss`, `aud`, `exp`, `typ: at+jwt`, and a required scope per route.
 *
 * @example
 * const tokens = accessTokens({ issuer, audience });
 * app.get('/orders', tokens.require('orders:read'), (c) => c.json(c.get('accessToken').sub));
 */
export function accessTokens(options: AccessTokenOptions): {
  /** Middleware admitting requests whose token is valid and, if given, carries `scope`. */
  require(scope?: string): MiddlewareHandler<AccessTokenEnv>;
} {
  const getKey = lazyKeySet(options);
  return {
    require(scope) {
      return createMiddleware<AccessTokenEnv>(async (c, next) => {
        const header = c.req.header('authorization');
        if (header === undefined || !/^Bearer(\s|$)/i.test(header)) {
          // No credentials at all: a bare challenge, without an error code (RFC 6750 §3.1).
          return problem(401, 'missing_token', 'an access token is required', { 'www-authenticate': 'Bearer' });
        }
        const token = BEARER.exec(header)?.[1];
        if (!token) {
          return problem(400, 'invalid_request', 'malformed Authorization header', {
            'www-authenticate': 'Bearer error="invalid_request"',
          });
        }

        let claims: AccessTokenClaims;
        try {
          const { payload } = await jwtVerify<AccessTokenClaims>(token, getKey, {
            issuer: options.issuer,
            audience: options.audience,
            algorithms: ALGORITHMS,
            typ: 'at+jwt',
            requiredClaims: ['exp', 'sub'],
          });
          claims = payload;
        } catch (error) {
          if (error instanceof KeysUnavailable) {
            return problem(503, 'temporarily_unavailable', 'cannot check access tokens right now', { 'retry-after': '5' });
          }
          if (error instanceof errors.JOSEError) return invalidToken(describe(error));
          throw error;
        }

        const granted = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ') : []);
        if (scope !== undefined && !granted.has(scope)) {
          return problem(403, 'insufficient_scope', `this request needs the "${scope}" scope`, {
            'www-authenticate': `Bearer error="insufficient_scope", scope="${scope}"`,
          });
        }
        c.set('accessToken', claims);
        await next();
      });
    },
  };
}
