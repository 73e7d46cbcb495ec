import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, MFA_ACR, PASSWORD_ACR } from '../src/index.js';
import type { RunningIdp } from '../src/index.js';
import { TestBrowser, decodeJwt, signIn, submitForm } from '../src/testing.js';
import { authorizeUrl, pkce, startAppWithIdp, tokenRequest } from './support.js';
import type { AuthorizeParams, FakeApp } from './support.js';

let app: FakeApp;
let idp: RunningIdp;
let close: () => Promise<void>;

beforeAll(async () => ({ app, idp, close } = await startAppWithIdp()));
afterAll(() => close());

type Request = Omit<AuthorizeParams, 'redirectUri' | 'challenge'>;

/** An authorization request (PKCE) and the code exchange for what the browser came back with. */
function codeFlow(request: Request = {}) {
  const { verifier, challenge } = pkce();
  return {
    url: authorizeUrl(idp.issuer, { redirectUri: app.callbackUrl, challenge, ...request }),
    async idToken(callback: string): Promise<Record<string, unknown>> {
      const code = new URL(callback).searchParams.get('code') ?? '';
      const tokens = await tokenRequest(idp.issuer, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: app.callbackUrl,
        code_verifier: verifier,
      });
      expect(tokens.status, JSON.stringify(tokens.body)).toBe(200);
      return decodeJwt(tokens.body.id_token ?? '').payload;
    },
  };
}

/** Signs `user` in through the pages with `request`; the ID token and the pages it went through. */
async function signInWith(browser: TestBrowser, request: Request = {}, user: typeof ALICE = ALICE) {
  const flow = codeFlow(request);
  const { response, visited } = await signIn(browser, flow.url, user);
  return { idToken: await flow.idToken(response.url), pages: visited.map((url) => new URL(url).pathname.split('/').at(-1)) };
}

describe('the second factor (acr_values naming MFA_ACR)', () => {
  it('asks for the one-time code after the password, and says so in the ID token', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { idToken, pages } = await signInWith(new TestBrowser(), { acrValues: MFA_ACR });
    expect(pages).toContain('login');
    expect(pages).toContain('otp');
    expect(pages.indexOf('login')).toBeLessThan(pages.indexOf('otp'));
    expect(idToken).toMatchObject({ sub: 'alice', acr: MFA_ACR, amr: ['pwd', 'otp'] });
    expect(idToken.auth_time).toBeGreaterThanOrEqual(before);
  });

  it('is not asked for otherwise: a password sign-in, with auth_time in every ID token of the BFF client', async () => {
    const { idToken, pages } = await signInWith(new TestBrowser());
    expect(pages).not.toContain('otp');
    expect(idToken).toMatchObject({ acr: PASSWORD_ACR, amr: ['pwd'], auth_time: expect.any(Number) });
  });

  it('steps a password session up with the code alone, and a stepped-up session needs it no more', async () => {
    const browser = new TestBrowser();
    const first = await signInWith(browser);
    expect(first.idToken.acr).toBe(PASSWORD_ACR);

    const stepUp = await signInWith(browser, { acrValues: MFA_ACR, maxAge: 300 });
    expect(stepUp.pages).toContain('otp');
    expect(stepUp.pages).not.toContain('login'); // the password of 300 s ago still counts
    expect(stepUp.idToken).toMatchObject({ sub: 'alice', acr: MFA_ACR, amr: ['pwd', 'otp'] });
    expect(stepUp.idToken.auth_time).toBeGreaterThanOrEqual(first.idToken.auth_time as number);

    const again = await signInWith(browser, { acrValues: MFA_ACR });
    expect(again.pages).not.toContain('otp');
    expect(again.idToken.acr).toBe(MFA_ACR);
  });

  it('takes any acr asked for: a password session satisfies "mfa or password" without a code', async () => {
    const browser = new TestBrowser();
    await signInWith(browser);
    const { idToken, pages } = await signInWith(browser, { acrValues: `${MFA_ACR} ${PASSWORD_ACR}` });
    expect(pages).not.toContain('otp');
    expect(idToken.acr).toBe(PASSWORD_ACR);
  });

  it('answers prompt=none with interaction_required when the code would be needed', async () => {
    const browser = new TestBrowser();
    await signInWith(browser);
    const response = await browser.follow(codeFlow({ acrValues: MFA_ACR, prompt: 'none' }).url);
    const callback = new URL(response.url);
    expect(callback.origin).toBe(app.origin);
    expect(callback.searchParams.get('error')).toBe('interaction_required');
  });

  it("refuses a wrong code (the page says so, and shows the user's demo code), and each user has their own", async () => {
    const browser = new TestBrowser();
    const flow = codeFlow({ acrValues: MFA_ACR });
    await expect(signIn(browser, flow.url, { ...BOB, oneTimeCode: ALICE.oneTimeCode })).rejects.toThrow(
      /sign-in as bob failed: Wrong code/,
    );

    const page = await browser.follow(codeFlow({ acrValues: MFA_ACR }).url);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain(`Demo code: <code>${BOB.oneTimeCode}</code>`);
    expect(html).not.toContain(ALICE.oneTimeCode);
    const wrong = await submitForm(browser, { url: page.url, html }, { fields: { code: '000000' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong code.');
  });

  it('tells a test that signs in without the code what is missing', async () => {
    await expect(
      signIn(new TestBrowser(), codeFlow({ acrValues: MFA_ACR }).url, { username: 'alice', password: ALICE.password }),
    ).rejects.toThrow(/asks for a one-time code: pass oneTimeCode/);
  });
});
