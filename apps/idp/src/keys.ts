import { generateKeyPairSync, randomUUID } from 'node:crypto';

/** The algorithms the dev IdP's keys sign with: RS256 by default, ES256 too for FAPI 2.0. */
export type SigningAlgorithm = 'RS256' | 'ES256';

const signingKeys = new Map<SigningAlgorithm, Record<string, unknown>>();

/**
 * A new signing key (RS256 unless asked) as a private JWK with a fresh `kid`. Pass several to
 * `startIdp({ signingKeys })` to publish them; restarting with another list rotates the keys.
 */
export function generateSigningKey(alg: SigningAlgorithm = 'RS256'): Record<string, unknown> {
  const { privateKey } =
    alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg, use: 'sig' };
}

/**
 * The IdP's signing key for `alg` (RS256 unless asked) as a private JWK, generated once per process.
 *
 * Reusing it across `startIdp()` calls is what lets a restarted IdP accept what the previous
 * instance issued (ID tokens, JWT access tokens) and lets resource servers keep their cached JWKS.
 */
export function processSigningKey(alg: SigningAlgorithm = 'RS256'): Record<string, unknown> {
  let key = signingKeys.get(alg);
  if (!key) signingKeys.set(alg, (key = generateSigningKey(alg)));
  return key;
}

/**
 * Keys that sign the IdP's own cookies (session, interaction). Fixed on purpose: this is a
 * development IdP, and fixed keys let IdP sessions survive a restart. Never reuse these anywhere real.
 */
export const DEV_COOKIE_KEYS: readonly string[] = Object.freeze(['cloakroom-dev-idp-cookie-key-not-a-secret-0001']);
