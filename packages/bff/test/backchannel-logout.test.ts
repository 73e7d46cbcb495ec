import { idpSigningKey, signIn, submitForm, TestBrowser } from '@cloakroom/idp/testing';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKCHANNEL_LOGOUT_EVENT } from '../src/oidc/logout-token.js';
import { MemorySessionStore } from '../src/index.js';
import { startStack } from './stack.js';

const json = { 'x-csrf': '1' };
let stack: Awaited<ReturnType<typeof startStack>>;
let store: MemorySessionStore;
let origin: string;

beforeAll(async () => {
  store = new MemorySessionStore();
  stack = await startStack(() => ({}), { bff: { session: { store } } });
  origin = stack.bff.origin;
});
afterAll(() => stack.close());

/** Signs alice in and returns her browser and session. */
async function aliceSession() {
  const browser = new TestBrowser();
  const before = new Set(await store.idsBySub('alice'));
  await signIn(browser, `${origin}/bff/login`, { username: 'alice', password: 'alice-password' });
  const id = (await store.idsBySub('alice')).find((candidate) => !before.has(candidate))!;
  const session = (await store.get(id))!;
  expect(session.sid).toBeTruthy();
  return { browser, session };
}

/** A logout token as the IdP would sign it, with `overrides` applied (undefined deletes a claim). */
async function logoutToken(
  overrides: Record<string, unknown>,
  key?: { privateKey: CryptoKey; kid: string },
  typ: string | undefined = 'logout+jwt',
) {
  const jwk = idpSigningKey();
  const signingKey = key?.privateKey ?? (await importJWK(jwk as Parameters<typeof importJWK>[0], 'RS256'));
  const claims: Record<string, unknown> = {
    iss: stack.idp.issuer,
    aud: 'cloakroom-bff',
    iat: Math.floor(Date.now() / 1000),
    jti: crypto.randomUUID(),
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...overrides,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key?.kid ?? String(jwk.kid), ...(typ === undefined ? {} : { typ }) })
    .sign(signingKey);
}

const post = (token: string) =>
  fetch(`${origin}/bff/backchannel-logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: token }),
  });

describe('back-channel logout', () => {
  it('signing out at the IdP kills the BFF session through the real back channel', async () => {
    const { browser, session } = await aliceSession();
    const confirm = await browser.follow(`${stack.idp.issuer}/session/end`);
    await submitForm(browser, { url: confirm.url, html: await confirm.text() }, { button: 'Sign out' });
    expect(await store.get(session.id)).toBeUndefined();
    expect(await (await browser.fetch(`${origin}/bff/session`, { headers: json })).json()).toEqual({ authenticated: false });
  });

  it('a valid logout token for the sid deletes that session, answering 200 no-store', async () => {
    const { session } = await aliceSession();
    const other = await aliceSession(); // another IdP session of the same user: untouched by a sid logout
    const response = await post(await logoutToken({ sid: session.sid, sub: 'alice' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await store.get(session.id)).toBeUndefined();
    expect(await store.get(other.session.id)).toBeDefined();
  });

  it('a valid logout token with only sub deletes every session of the user', async () => {
    const first = await aliceSession();
    const second = await aliceSession();
    expect((await post(await logoutToken({ sub: 'alice' }))).status).toBe(200);
    expect(await store.get(first.session.id)).toBeUndefined();
    expect(await store.get(second.session.id)).toBeUndefined();
  });

  it('accepts a logout token without a typ header (it is only recommended), and with application/logout+jwt', async () => {
    const first = await aliceSession();
    expect((await post(await logoutToken({ sid: first.session.sid }, undefined, undefined))).status).toBe(200);
    expect(await store.get(first.session.id)).toBeUndefined();
    const second = await aliceSession();
    expect((await post(await logoutToken({ sid: second.session.sid }, undefined, 'application/logout+jwt'))).status).toBe(200);
    expect(await store.get(second.session.id)).toBeUndefined();
  });

  describe('refuses with 400 and touches no session', () => {
    const attacks: Record<string, (sid: string) => Promise<string>> = {
      'a wrong signature': async (sid) => {
        const { privateKey } = await generateKeyPair('RS256');
        return logoutToken({ sid }, { privateKey, kid: String(idpSigningKey().kid) });
      },
      'an unknown key': async (sid) => {
        const { privateKey, publicKey } = await generateKeyPair('RS256');
        return logoutToken({ sid }, { privateKey, kid: (await exportJWK(publicKey)).n!.slice(0, 16) });
      },
      'a wrong audience': (sid) => logoutToken({ sid, aud: 'another-client' }),
      'a wrong issuer': (sid) => logoutToken({ sid, iss: 'https://evil.example' }),
      'no events claim': (sid) => logoutToken({ sid, events: undefined }),
      'events without the back-channel logout event': (sid) => logoutToken({ sid, events: { 'https://example.com/other': {} } }),
      'a nonce (an ID token in disguise)': (sid) => logoutToken({ sid, nonce: 'n-0S6_WzA2Mj' }),
      'neither sub nor sid': () => logoutToken({}),
      'an iat an hour old': (sid) => logoutToken({ sid, iat: Math.floor(Date.now() / 1000) - 3600 }),
      'an iat in the future': (sid) => logoutToken({ sid, iat: Math.floor(Date.now() / 1000) + 3600 }),
      'no jti': (sid) => logoutToken({ sid, jti: undefined }),
      // An object or array jti would slip past the replay cache, which compares strings.
      'a jti that is an object': (sid) => logoutToken({ sid, jti: { id: 'x' } }),
      'a jti that is an array': (sid) => logoutToken({ sid, jti: ['x'] }),
      'an access token replayed as a logout token (typ at+jwt)': (sid) => logoutToken({ sid }, undefined, 'at+jwt'),
      'alg none': async (sid) => {
        const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
        const claims = {
          iss: stack.idp.issuer,
          aud: 'cloakroom-bff',
          iat: Math.floor(Date.now() / 1000),
          jti: 'j',
          sid,
          events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
        };
        return `${encode({ alg: 'none', typ: 'logout+jwt' })}.${encode(claims)}.`;
      },
    };

    for (const [name, forge] of Object.entries(attacks)) {
      it(name, async () => {
        const { session } = await aliceSession();
        const response = await post(await forge(session.sid!));
        expect(response.status).toBe(400);
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(await response.json()).toMatchObject({ code: 'invalid_logout_token' });
        expect(await store.get(session.id)).toBeDefined();
      });
    }

    it('a replayed jti', async () => {
      const first = await aliceSession();
      const second = await aliceSession();
      const jti = crypto.randomUUID();
      expect((await post(await logoutToken({ sid: first.session.sid, jti }))).status).toBe(200);
      const replay = await post(await logoutToken({ sid: second.session.sid, jti }));
      expect(replay.status).toBe(400);
      expect(await replay.json()).toMatchObject({ code: 'invalid_logout_token' });
      expect(await store.get(second.session.id)).toBeDefined();
    });

    it('a request without a logout_token', async () => {
      const response = await fetch(`${origin}/bff/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'logout_token=',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'invalid_request' });
    });
  });

  it('refuses a body larger than a logout request, declared or chunked', async () => {
    const big = `logout_token=${'x'.repeat(20_000)}`;
    const declared = await fetch(`${origin}/bff/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: big,
    });
    expect(declared.status).toBe(413);
    const chunked = await fetch(`${origin}/bff/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('answers 503 idp_unavailable, not 400, when the IdP keys cannot be fetched', async () => {
    // A BFF that has discovered the IdP but not needed its keys yet, and then the IdP goes away.
    const fresh = await startStack(() => ({}));
    try {
      await fresh.bff.app.ready();
      const sid = 'any-idp-session';
      const token = await logoutToken({ sid, iss: fresh.idp.issuer });
      await fresh.idp.close();
      const response = await fetch(`${fresh.bff.origin}/bff/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toMatchObject({ code: 'idp_unavailable' });
    } finally {
      await fresh.bff.close();
    }
  });

  it('never logs the logout token', async () => {
    const token = await logoutToken({ sub: 'nobody' });
    await post(token);
    expect(stack.bff.logger.text()).not.toContain(token);
  });
});
