import { signIn, submitForm, TestBrowser } from '@cloakroom/idp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack } from './stack.js';

const json = { 'x-csrf': '1' };
let stack: Awaited<ReturnType<typeof startStack>>;
let origin: string;

beforeAll(async () => {
  stack = await startStack(() => ({}));
  origin = stack.bff.origin;
});
afterAll(() => stack.close());

async function signedIn() {
  const browser = new TestBrowser();
  await signIn(browser, `${origin}/bff/login`, { username: 'bob', password: 'bob-password' });
  return browser;
}

const logout = (browser: TestBrowser, query = '') => browser.fetch(`${origin}/bff/logout${query}`, { method: 'POST', headers: json });

describe('RP-initiated logout', () => {
  it('ends the IdP session too and comes back through the logout callback to returnTo', async () => {
    const browser = await signedIn();
    const { endSessionUrl } = await (await logout(browser, '?returnTo=%2Fgoodbye')).json();
    const confirm = await browser.follow(endSessionUrl, { initiator: origin });
    expect(confirm.url.startsWith(stack.idp.issuer)).toBe(true);
    const back = await submitForm(browser, { url: confirm.url, html: await confirm.text() }, { button: 'Sign out' });
    expect(back.visited.some((url) => url.startsWith(`${origin}/bff/logout/callback?`))).toBe(true);
    expect(back.url).toBe(`${origin}/goodbye`);
    // The IdP session is gone: signing in again asks for the password.
    const again = await browser.follow(`${origin}/bff/login`);
    expect(await again.text()).toContain('name="password"');
  });

  it('lands a logout callback whose state it did not issue on the root, not on its returnTo', async () => {
    const browser = await signedIn();
    await logout(browser, '?returnTo=%2Fgoodbye');
    const forged = await browser.follow(`${origin}/bff/logout/callback?state=forged`);
    expect(forged.visited).toEqual([`${origin}/bff/logout/callback?state=forged`, `${origin}/`]);
  });

  it('lands a replayed logout callback (Back after signing out) signed out on the root, with no error', async () => {
    const browser = await signedIn();
    const { endSessionUrl } = await (await logout(browser, '?returnTo=%2Fgoodbye')).json();
    const confirm = await browser.follow(endSessionUrl, { initiator: origin });
    const back = await submitForm(browser, { url: confirm.url, html: await confirm.text() }, { button: 'Sign out' });
    const callback = back.visited.find((url) => url.startsWith(`${origin}/bff/logout/callback?`))!;
    const replayed = await browser.follow(callback, { initiator: null });
    expect(replayed.visited).toEqual([callback, `${origin}/`]);
    expect(await (await browser.fetch(`${origin}/bff/session`, { headers: json })).json()).toEqual({ authenticated: false });
  });

  it('refuses an off-site returnTo', async () => {
    const browser = await signedIn();
    const response = await logout(browser, `?returnTo=${encodeURIComponent('https://evil.example')}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('answers endSessionUrl null, and clears the cookie, when nobody is signed in', async () => {
    const response = await new TestBrowser().fetch(`${origin}/bff/logout`, { method: 'POST', headers: json });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ endSessionUrl: null });
  });

  it('ends the local session even while the IdP is down', async () => {
    const down = await startStack(() => ({}));
    try {
      const browser = new TestBrowser();
      await signIn(browser, `${down.bff.origin}/bff/login`, { username: 'bob', password: 'bob-password' });
      await down.idp.close();
      const response = await browser.fetch(`${down.bff.origin}/bff/logout`, { method: 'POST', headers: json });
      expect(response.status).toBe(200);
      expect(response.headers.getSetCookie().join('\n')).toMatch(/__Host-cloakroom=; Max-Age=0/);
      expect(down.bff.logger.lines.map((line) => JSON.parse(line))).toContainEqual(
        expect.objectContaining({
          message: 'identity provider request failed',
          operation: 'revocation',
          reason: expect.stringContaining('ECONNREFUSED'),
        }),
      );
      const session = await browser.fetch(`${down.bff.origin}/bff/session`, { headers: json });
      expect(await session.json()).toEqual({ authenticated: false });
    } finally {
      await down.bff.close();
    }
  });

  it('puts id_token_hint in the end-session URL when configured to (by default, no token goes there)', async () => {
    const hinted = await startStack(() => ({}), { bff: { logoutIdTokenHint: true } });
    try {
      const browser = new TestBrowser();
      await signIn(browser, `${hinted.bff.origin}/bff/login`, { username: 'bob', password: 'bob-password' });
      const response = await browser.fetch(`${hinted.bff.origin}/bff/logout`, { method: 'POST', headers: json });
      const url = new URL((await response.json()).endSessionUrl);
      expect(url.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
    } finally {
      await hinted.close();
    }
  });
});
