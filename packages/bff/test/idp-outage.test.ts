import { bffClient, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, startIdp, type RunningIdp } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@cloakroom/test-harness/loopback';
import { COOKIE_SECRET, startBff, type RunningBff } from './stack.js';

let bff: RunningBff | undefined;
let idp: RunningIdp | undefined;
afterAll(async () => {
  await bff?.close();
  await idp?.close();
});

describe('a BFF that starts before its IdP', () => {
  it('answers 503 idp_unavailable to sign-in while the IdP is unreachable, then works once it is up', async () => {
    const idpPort = await freePort();
    bff = await startBff(() => ({
      issuer: `http://127.0.0.1:${idpPort}`,
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      cookieSecret: COOKIE_SECRET,
    }));

    const down = await fetch(`${bff.origin}/bff/login`, { redirect: 'manual' });
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toBe('application/problem+json');
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await down.json()).toMatchObject({ code: 'idp_unavailable' });

    // Discovery is retried on the next use, not cached as a failure.
    idp = await startIdp({ port: idpPort, clients: [bffClient({ origin: bff.origin })] });
    const browser = new TestBrowser();
    const { response } = await signIn(browser, `${bff.origin}/bff/login?returnTo=/welcome`, {
      username: 'alice',
      password: 'alice-password',
    });
    expect(response.url).toBe(`${bff.origin}/welcome`);
    expect(await (await browser.fetch(`${bff.origin}/bff/session`, { headers: { 'x-csrf': '1' } })).json()).toMatchObject({
      authenticated: true,
    });
  });
});
