import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { sealData, unsealData } from 'iron-session';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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
 * what the callback said (status, problem code) and whether a session came of it.
 */
async function signInRewritingCallback(origin: string, rewrite: (url: URL, headers: Headers) => Promise<void>) {
  const realFetch = globalThis.fetch;
  let callback: { status: number; body: unknown } | undefined;
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!url.href.startsWith(`${origin}/bff/callback`)) return realFetch(input, init);
    const headers = new Headers(init?.headers);
    await rewrite(url, headers);
    const response = await realFetch(url, { ...init, headers });
    callback = { status: response.status, body: response.status >= 400 ? await response.clone().json() : undefined };
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
    expect(result.status).toBe(302);
    expect(result.session).toMatchObject({ authenticated: true });
  });

  it('refuses an authorization response from another issuer (iss, RFC 9207)', async () => {
    const result = await signInRewritingCallback(honest.bff.origin, async (url) => url.searchParams.set('iss', 'https://evil.example'));
    expect(result).toMatchObject({ status: 400, body: { code: 'invalid_callback' }, session: { authenticated: false } });
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
    expect(result).toMatchObject({ status: 400, body: { code: 'invalid_callback' }, session: { authenticated: false } });
  });

  it('refuses an ID token whose signature does not verify with the IdP keys, even over the back channel', async () => {
    const result = await signInRewritingCallback(intercepted.bff.origin, async () => {});
    expect(result).toMatchObject({ status: 400, body: { code: 'invalid_callback' }, session: { authenticated: false } });
    expect(intercepted.bff.logger.lines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ message: 'identity provider request failed', operation: 'authorization_code_grant', errorCode: 'id_token_ERR_JWS_SIGNATURE_VERIFICATION_FAILED' }),
    );
  });

  it('passes the IdP refusal on as login_failed, with its error code only', async () => {
    const result = await signInRewritingCallback(honest.bff.origin, async (url) => {
      const state = url.searchParams.get('state')!;
      url.search = new URLSearchParams({ error: 'access_denied', error_description: '<script>', state, iss: honest.idp.issuer }).toString();
    });
    expect(result).toMatchObject({ status: 400, body: { code: 'login_failed', detail: 'The identity provider answered access_denied.' } });
  });
});
