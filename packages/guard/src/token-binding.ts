/**
 * Token binding: which kinds of access token an API accepts, and what makes a sender-constrained
 * one acceptable (RFC 9449 §7: a DPoP-bound token only with its proof).
 */
import type { AuthScheme } from './authorization.js';
import type { AccessTokenClaims } from './claims.js';
import { InvalidToken } from './errors.js';

/**
 * Which access tokens an API accepts:
 * - `bearer`: bearer tokens (`Authorization: Bearer`); sender-constrained ones (`cnf`) are refused.
 * - `dpop`: DPoP-bound tokens only, as `Authorization: DPoP <token>` with their `DPoP` proof.
 * - `bearer-or-dpop`: either; a DPoP-bound token still needs its proof (as `Bearer` it is refused,
 *   RFC 9449 §7.2), so a client moving to DPoP can do so without breaking the others.
 */
export type TokenBinding = 'bearer' | 'dpop' | 'bearer-or-dpop';

const SCHEMES: Readonly<Record<TokenBinding, readonly AuthScheme[]>> = Object.freeze({
  bearer: Object.freeze(['Bearer'] as const),
  dpop: Object.freeze(['DPoP'] as const),
  'bearer-or-dpop': Object.freeze(['Bearer', 'DPoP'] as const),
});

/**
 * The authentication schemes of `binding`, checked at configuration time.
 * @throws {TypeError} for anything but a {@link TokenBinding}.
 */
export function schemesOf(binding: TokenBinding): readonly AuthScheme[] {
  if (!Object.hasOwn(SCHEMES, binding)) throw new TypeError('tokenBinding: expected bearer, dpop or bearer-or-dpop');
  return SCHEMES[binding];
}

/**
 * A token presented as a bearer token must not be sender-constrained (RFC 9449 §7.2, RFC 8705
 * §3): its `cnf` says it is only valid with a proof of possession (DPoP, mTLS) that a bearer
 * request does not bring. A stolen DPoP-bound token replayed as `Bearer` ends here.
 */
export function checkBearerToken(claims: AccessTokenClaims): void {
  if (claims.cnf !== undefined) throw new InvalidToken('"cnf": a sender-constrained token presented as a bearer token');
}

/**
 * The thumbprint of the key `claims` are bound to (`cnf.jkt`, RFC 9449 §6), for a token presented
 * with the DPoP scheme. A token without it is not DPoP-bound; one that also names another
 * confirmation method (e.g. an mTLS certificate, `x5t#S256`) needs a proof that cannot be checked
 * here. Both are {@link InvalidToken}.
 */
export function dpopThumbprint(claims: AccessTokenClaims): string {
  const { cnf } = claims;
  if (typeof cnf?.jkt !== 'string') throw new InvalidToken('"cnf.jkt": a token presented with the DPoP scheme is not DPoP-bound');
  if (Object.keys(cnf).some((method) => method !== 'jkt')) {
    throw new InvalidToken('"cnf": the token also names a confirmation method other than "jkt", which cannot be checked here');
  }
  return cnf.jkt;
}
