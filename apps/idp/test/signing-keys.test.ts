import { describe, expect, it } from 'vitest';
import { ORDERS_API, generateSigningKey, startIdp } from '../src/index.js';
import type { RunningIdp } from '../src/index.js';
import { tokenRequest } from './support.js';
import { decodeJwt } from '../src/testing.js';

async function publishedKids(issuer: string): Promise<unknown[]> {
  const { keys } = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
  for (const key of keys) expect(key).not.toHaveProperty('d');
  return keys.map((key) => key.kid);
}

async function signingKid(issuer: string): Promise<unknown> {
  const { body } = await tokenRequest(issuer, { grant_type: 'client_credentials', resource: ORDERS_API, scope: 'orders:read' });
  return decodeJwt(body.access_token ?? '').header.kid;
}

/** Restarts on the same port; the failed fetch in between also drops any keep-alive socket to the old server. */
async function restart(idp: RunningIdp, signingKeys: Record<string, unknown>[]): Promise<RunningIdp> {
  await idp.close();
  await expect(fetch(`${idp.issuer}/jwks`)).rejects.toThrow();
  return startIdp({ port: idp.port, signingKeys });
}

describe('signingKeys', () => {
  it('publishes every key, signs with the first, and rotates across a restart on the same port', async () => {
    const [current, next] = [generateSigningKey(), generateSigningKey()];
    let idp = await startIdp({ port: 0, signingKeys: [current] });
    try {
      expect(await publishedKids(idp.issuer)).toEqual([current.kid]);
      expect(await signingKid(idp.issuer)).toBe(current.kid);

      // Introduce the next key, then retire the current one.
      idp = await restart(idp, [next, current]);
      expect(await publishedKids(idp.issuer)).toEqual([next.kid, current.kid]);
      expect(await signingKid(idp.issuer)).toBe(next.kid);

      idp = await restart(idp, [next]);
      expect(await publishedKids(idp.issuer)).toEqual([next.kid]);
    } finally {
      await idp.close();
    }
  });

  it('refuses an empty key list', async () => {
    await expect(startIdp({ port: 0, signingKeys: [] })).rejects.toThrow(/signingKeys/);
  });
});
