import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { IdpResponseError, isKeySetFailure } from './idp-errors.js';

/** Seconds of clock skew tolerated between the BFF and the IdP (openid-client's default too). */
export const CLOCK_TOLERANCE = 30;

/** What an ID token must match besides what openid-client checks. */
export interface IdTokenExpectations {
  /** The discovered issuer identifier. */
  issuer: string;
  clientId: string;
  /** The IdP's key set; an unknown `kid` refetches it (see `Provider.keys`). */
  keys: JWTVerifyGetKey;
  algorithms: string[];
  /** On refresh: the session's `sub`, which a new ID token must repeat (OIDC Core §12.2). */
  sub?: string;
}

/**
 * Checks what openid-client leaves to us for ID tokens from the token endpoint (code exchange and
 * refresh): the signature, with jose's remote key set, which refetches at once on an unknown `kid`
 * (openid-client's own cache waits up to a minute after a key rotation); `iat` not in the future;
 * and on refresh the same `sub` (OIDC Core §12.2). openid-client has checked `iss`, `aud`, `azp`,
 * `exp` and `nonce`; jose checks `iss`, `aud` and `exp` again as part of the signature check.
 */
export async function verifyIdToken(idToken: string, expected: IdTokenExpectations): Promise<JWTPayload> {
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, expected.keys, {
      issuer: expected.issuer,
      audience: expected.clientId,
      algorithms: expected.algorithms,
      requiredClaims: ['sub', 'iat', 'exp'],
      clockTolerance: CLOCK_TOLERANCE,
    }));
  } catch (error) {
    // A key set that cannot be fetched is the IdP being down, not the token being bad.
    if (isKeySetFailure(error) || !(error instanceof errors.JOSEError)) throw error;
    throw new IdpResponseError(`ID token rejected: ${error.message}`, `id_token_${error.code}`, { cause: error });
  }
  if (payload.iat! > Date.now() / 1000 + CLOCK_TOLERANCE) {
    throw new IdpResponseError('ID token rejected: iat is in the future', 'id_token_iat_in_future');
  }
  if (expected.sub !== undefined && payload.sub !== expected.sub) {
    throw new IdpResponseError("ID token rejected: its sub is not the session user's", 'id_token_sub_changed');
  }
  return payload;
}
