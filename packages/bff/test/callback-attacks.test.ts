import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { sealData, unsealData } from 'iron-session';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { replayCallback, signInCapturingCallback } from './callback-capture.js';
import { COOKIE_SECRET, startStack } from './stack.js';

const alice = { username: 'alice', password: 'alice-password' };
const json = { 'x-csrf': '1' };

/** Forges the ID token's signature in the IdP's token response, as a man in the middle of the back channel would. */
const forgingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const url = input instanceof Request ? input.url : String(input);
  if (!url.endsWith('/token') || !response.ok) return response;
  const body = (await response.json()) as { id_token?: string };
  if (body.id_token) {
    const [header, payload, signature] = body.id_token.split('.');
    body.id_token = `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
  }
  return Response.json(body, { status: response.status, headers: { 'cache-control': 'no-store' } });
};

let honest: Awaited<ReturnType<typeof startStack>>;
let intercepted: Awaited<ReturnType<typeof startStack>>;
beforeAll(async () => {
  honest = await startStack(() => ({}));
  intercepted = await startStack(() => ({}), { bff: { fetch: forgingFetch } });
});
afterAll(async () => {
  await honest.close();
  await intercepted.close();
});

/**
 * Signs in while rewriting the browser's request to the BFF's callback with `rewrite`, and answers
 * what the callback said (status, and the error code of its redirect into the app) and whether a
 * session came of it. A person navigates to the callback: a failure is a redirect, never JSON.
 */
async function signInRewritingCallback(origin: string, rewrite: (url: URL, headers: Headers) => Promise<void>) {
  const realFetch = globalThis.fetch;
  let callback: { status: number; location: string | null; error: string | null } | undefined;
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!url.href.startsWith(`${origin}/bff/callback`)) return realFetch(input, init);
    const headers = new Headers(init?.headers);
    await rewrite(url, headers);
    const response = await realFetch(url, { ...init, headers });
    const location = response.headers.get('location');
    callback = {
      status: response.status,
      location,
      error: location ? new URL(location, origin).searchParams.get('cloakroom_error') : null,
    };
    return response;
  });
  const browser = new TestBrowser();
  try {
    await signIn(browser, `${origin}/bff/login`, alice);
  } finally {
    spy.mockRestore();
  }
  const session = await (await browser.fetch(`${origin}/bff/session`, { headers: json })).json();
  return { ...callback!, session };
}

describe('the callback refuses a tampered sign-in', () => {
  it('accepts the untouched flow (the rewriting itself breaks nothing)', async () => {
    const result = await signInRewritingCallback(honest.bff.origin, async () => {});
    expect(result).toMatchObject({ status: 302, location: '/', error: null, session: { authenticated: true } });
  });

  it('refuses an authorization response from another issuer (iss, RFC 9207)', async () => {
    const result = await signInRewritingCallback(honest.bff.origin, async (url) => url.searchParams.set('iss', 'https://evil.example'));
    expect(result).toMatchObject({ status: 302, location: '/?cloakroom_error=invalid_callback', session: { authenticated: false } });
  });

  it('refuses an ID token whose nonce is not the one this browser sent', async () => {
    const result = await signInRewritingCallback(honest.bff.origin, async (_url, headers) => {
      // Re-seal the login transaction (we hold the cookie secret) with another nonce.
      const cookies = headers.get('cookie')!;
      const seal = /__Host-cloakroom-login=([^;]+)/.exec(cookies)![1]!;
      const transaction = await unsealData<Record<string, string>>(seal, { password: COOKIE_SECRET, ttl: 600 });
      expect(transaction.nonce).toBeTruthy();
      const forged = await sealData({ ...transaction, nonce: 'not-the-nonce' }, { password: COOKIE_SECRET, ttl: 600 });
      headers.set('cookie', cookies.replace(seal, forged));
    });
    expect(result).toMatchObject({ status: 302, location: '/?cloakroom_error=invalid_callback', session: { authenticated: false } });
  });

  it('refuses an ID token whose signature does not verify with the IdP keys, even over the back channel', async () => {
    const result = await signInRewritingCallback(intercepted.bff.origin, async () => {});
    expect(result).toMatchObject({ status: 302, location: '/?cloakroom_error=invalid_callback', session: { authenticated: false } });
    expect(intercepted.bff.logger.lines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({
        message: 'identity provider request failed',
        operation: 'authorization_code_grant',
        errorCode: 'id_token_ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      }),
    );
  });

  it('passes the IdP refusal on as login_failed, with its error code only', async () => {
    const result = await signInRewritingCallback(honest.bff.origin, async (url) => {
      const state = url.searchParams.get('state')!;
      url.search = new URLSearchParams({ error: 'access_denied', error_description: '<script>', state, iss: honest.idp.issuer }).toString();
    });
    // The code only: nothing the IdP or the request said (its error_description) reaches the page.
    expect(result).toMatchObject({ status: 302, location: '/?cloakroom_error=login_failed', session: { authenticated: false } });
  });

  it('refuses a replayed transaction cookie on the server, without asking the IdP again', async () => {
    const callback = await signInCapturingCallback(honest.bff.origin, alice);
    const grants = honest.idp.counts.authorizationCodeGrants;
    const refusedGrants: unknown[] = [];
    const onGrantError = (_ctx: unknown, error: unknown) => refusedGrants.push(error);
    honest.idp.provider.on('grant.error', onGrantError);
    try {
      const replayed = await replayCallback(callback);
      expect(replayed.status).toBe(400);
      expect(await replayed.json()).toMatchObject({ code: 'invalid_callback', detail: 'This sign-in was completed already.' });
    } finally {
      honest.idp.provider.off('grant.error', onGrantError);
    }
    // The token endpoint never saw the replayed code: no grant, not even a refused one.
    expect(honest.idp.counts.authorizationCodeGrants).toBe(grants);
    expect(refusedGrants).toEqual([]);
  });

  it('keeps answering problem JSON to a fetch of the callback (not a navigation)', async () => {
    const response = await new TestBrowser().fetch(`${honest.bff.origin}/bff/callback?code=x&state=y`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'invalid_callback' });
  });
});
