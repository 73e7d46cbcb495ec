import { generateKeyPairSync, randomUUID } from 'node:crypto';

let signingKey: Record<string, unknown> | undefined;

/**
 * A new RS256 signing key as a private JWK with a fresh `kid`. Pass several to
 * `startIdp({ signingKeys })` to publish them; restarting with another list rotates the keys.
 */
export function generateSigningKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

/**
 * The IdP's RS256 signing key as a private JWK, generated once per process.
 *
 * Reusing it across `startIdp()` calls is what lets a restarted IdP accept what the previous
 * instance issued (ID tokens, JWT access tokens) and lets resource servers keep their cached JWKS.
 */
export function processSigningKey(): Record<string, unknown> {
  signingKey ??= generateSigningKey();
  return signingKey;
}

/**
 * Keys that sign the IdP's own cookies (session, interaction). Fixed on purpose: this is a
 * development IdP, and fixed keys let IdP sessions survive a restart. Never reuse these anywhere real.
 */
export const DEV_COOKIE_KEYS: readonly string[] = Object.freeze(['cloakroom-dev-idp-cookie-key-not-a-secret-0001']);
