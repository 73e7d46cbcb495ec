import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MFA_ACR, PASSWORD_ACR, startIdp } from '../src/index.js';
import type { RunningIdp } from '../src/index.js';

let idp: RunningIdp;

beforeAll(async () => {
  idp = await startIdp({ port: 0 });
});

afterAll(() => idp.close());

describe('discovery', () => {
  it('serves an issuer on 127.0.0.1 with the port it picked', () => {
    expect(idp.port).toBeGreaterThan(0);
    expect(idp.issuer).toBe(`http://127.0.0.1:${idp.port}`);
  });

  it('lists the endpoints and capabilities the BFF relies on', async () => {
    const response = await fetch(`${idp.issuer}/.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: idp.issuer,
      authorization_endpoint: `${idp.issuer}/auth`,
      token_endpoint: `${idp.issuer}/token`,
      jwks_uri: `${idp.issuer}/jwks`,
      revocation_endpoint: `${idp.issuer}/token/revocation`,
      introspection_endpoint: `${idp.issuer}/token/introspection`,
      end_session_endpoint: `${idp.issuer}/session/end`,
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      authorization_response_iss_parameter_supported: true,
      id_token_signing_alg_values_supported: ['RS256'],
      // Step-up (RFC 9470) and DPoP (RFC 9449), for the APIs that ask for them.
      acr_values_supported: [PASSWORD_ACR, MFA_ACR],
      dpop_signing_alg_values_supported: expect.arrayContaining(['ES256']),
    });
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']));
    expect(metadata.grant_types_supported).not.toContain('implicit');
    expect(metadata.scopes_supported).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'offline_access']));
    expect(metadata.claims_supported).toEqual(
      expect.arrayContaining(['sub', 'name', 'given_name', 'family_name', 'preferred_username', 'email', 'email_verified']),
    );
  });

  it('publishes one RS256 signing key, without its private parts', async () => {
    const { keys } = (await (await fetch(`${idp.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('closes promptly even with keep-alive connections open', async () => {
    const other = await startIdp({ port: 0 });
    await fetch(`${other.issuer}/.well-known/openid-configuration`, { keepalive: true });
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(fetch(`${other.issuer}/jwks`)).rejects.toThrow();
  });
});
