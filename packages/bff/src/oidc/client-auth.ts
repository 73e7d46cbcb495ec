import { importJWK, importPKCS8, type CryptoKey } from 'jose';
import * as oidc from 'openid-client';
import { ConfigError, type ResolvedConfig } from '../config.js';

/** Algorithms a client assertion key may sign with (asymmetric only: the IdP holds no secret of ours). */
const ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/**
 * How the BFF authenticates at the IdP's token, revocation and PAR endpoints, as openid-client's own
 * `ClientAuth` (the assertions of `private_key_jwt` are made by openid-client, not here).
 */
export async function clientAuthentication(
  config: ResolvedConfig,
): Promise<{ method: oidc.ClientAuth; metadata: Partial<oidc.ClientMetadata> }> {
  const metadata = { token_endpoint_auth_method: config.clientAuthentication };
  switch (config.clientAuthentication) {
    case 'client_secret_basic':
      return { method: oidc.ClientSecretBasic(config.clientSecret), metadata };
    case 'client_secret_post':
      return { method: oidc.ClientSecretPost(config.clientSecret), metadata };
    case 'none':
      return { method: oidc.None(), metadata };
    case 'private_key_jwt': {
      const { key, kid } = await importAssertionKey(config.clientPrivateKey!);
      return { method: oidc.PrivateKeyJwt(kid === undefined ? { key } : { key, kid }), metadata };
    }
  }
}

async function importAssertionKey(input: NonNullable<ResolvedConfig['clientPrivateKey']>): Promise<{ key: CryptoKey; kid?: string }> {
  const field = 'clientPrivateKey';
  const jwk = typeof input.key === 'string' ? undefined : input.key;
  const alg = input.alg ?? jwk?.alg;
  if (alg === undefined) throw new ConfigError(`${field}.alg`, 'is required for a PEM key (e.g. RS256 or ES256)');
  if (!ASSERTION_ALGORITHMS.includes(alg))
    throw new ConfigError(`${field}.alg`, `must be an asymmetric JWS algorithm, not ${JSON.stringify(alg)}`);
  let key: CryptoKey | Uint8Array;
  try {
    key = jwk ? await importJWK(jwk, alg) : await importPKCS8(input.key as string, alg);
  } catch (error) {
    throw new ConfigError(`${field}.key`, `cannot be imported for ${alg}: ${(error as Error).message}`);
  }
  if (key instanceof Uint8Array || key.type !== 'private') throw new ConfigError(`${field}.key`, 'must be a private key');
  const kid = input.kid ?? jwk?.kid;
  return kid === undefined ? { key } : { key, kid };
}
