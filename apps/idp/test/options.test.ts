import { afterEach, describe, expect, it } from 'vitest';
import { ORDERS_API, startIdp } from '../src/index.js';
import { tokenRequest } from './support.js';
import { decodeJwt } from '../src/testing.js';

const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
});

async function accessTokenLifetime(options: Parameters<typeof startIdp>[0]): Promise<number> {
  const idp = await startIdp({ port: 0, ...options });
  try {
    const { body } = await tokenRequest(idp.issuer, { grant_type: 'client_credentials', resource: ORDERS_API, scope: 'orders:read' });
    const { payload } = decodeJwt(body.access_token ?? '');
    return Number(payload.exp) - Number(payload.iat);
  } finally {
    await idp.close();
  }
}

describe('options', () => {
  it('defaults the access token lifetime to 300 s, or IDP_ACCESS_TOKEN_TTL, and lets the option win', async () => {
    delete process.env.IDP_ACCESS_TOKEN_TTL;
    expect(await accessTokenLifetime({})).toBe(300);
    process.env.IDP_ACCESS_TOKEN_TTL = '42';
    expect(await accessTokenLifetime({})).toBe(42);
    expect(await accessTokenLifetime({ accessTokenTtl: 7 })).toBe(7);
  });

  it('refuses a lifetime that is not a positive whole number of seconds', async () => {
    process.env.IDP_SESSION_TTL = 'soon';
    await expect(startIdp({ port: 0 })).rejects.toThrow(/IDP_SESSION_TTL/);
    await expect(startIdp({ port: 0, sessionTtl: 60, refreshTokenTtl: 0 })).rejects.toThrow(/IDP_REFRESH_TOKEN_TTL/);
  });

  it('fails to start, without leaking a server, when the port is taken', async () => {
    const first = await startIdp({ port: 0 });
    try {
      await expect(startIdp({ port: first.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
