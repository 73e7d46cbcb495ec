import { signIn, submitForm, TestBrowser, type BrowserRequestInit } from '@cloakroom/idp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BffStack } from './stack.js';

/** What {@link describeBffSuite} checks besides sign-in, session, proxied GET and POST, and logout. */
export interface BffSuiteOptions {
  /** Waits out the access token (3 s) and checks that the next proxied call refreshes it. */
  refresh?: boolean;
  /** Checks that signing out at the IdP ends a BFF session through back-channel logout. */
  backchannelLogout?: boolean;
  /**
   * The BFF keeps sessions in cookies (`session: { store: 'cookie' }`): logout clears them, but a
   * copy taken before stays valid (no server state), so that is not checked.
   */
  statelessSessions?: boolean;
}

/** Registers more tests in a suite, with its stack once started. */
export type MoreTests<S extends BffStack> = (stack: () => S) => void;

const alice = { username: 'alice', password: 'alice-password' };
const json = { 'x-csrf': '1', accept: 'application/json' };
/** Short, so that the refresh test waits it out; whole seconds, as `exp` counts. */
const ACCESS_TOKEN_TTL = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `text` as a stream of `parts` chunks, each on its own turn: a body of unknown length, sent chunked. */
function streamOf(text: string, parts: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const size = Math.ceil(bytes.length / parts);
  let offset = 0;
  return new ReadableStream({
    async pull(controller) {
      await sleep(5);
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, (offset += size)));
    },
  });
}

/**
 * The integration suite every BFF host passes, as a browser drives it, in order: sign-in through the
 * dev IdP's pages, `/bff/session`, a proxied GET and a proxied POST whose body streams in chunks
 * (what the API parsed must be what was sent), then `options`' checks, then logout.
 *
 * @param name the `describe` block's name; `host` names the host in the POSTed order.
 * @param start starts the stack (the IdP's access tokens live `accessTokenTtl` seconds); the suite
 * closes it.
 * @param more registers more tests, run first, with the stack once started.
 */
export function describeBffSuite<S extends BffStack>(
  name: string,
  host: string,
  start: (options: { accessTokenTtl: number }) => Promise<S>,
  options: BffSuiteOptions = {},
  more?: MoreTests<S>,
): void {
  describe(name, () => {
    let stack: S;
    /** Alice's browser: signed in by the first test, then used by the next ones, in order. */
    let browser: TestBrowser;
    const call = (path: string, init: BrowserRequestInit & { duplex?: 'half' } = {}) =>
      browser.fetch(`${stack.origin}${path}`, { ...init, headers: { ...json, ...init.headers } });
    const sessionOf = async (someone: TestBrowser): Promise<unknown> =>
      (await someone.fetch(`${stack.origin}/bff/session`, { headers: json })).json();

    beforeAll(async () => {
      stack = await start({ accessTokenTtl: ACCESS_TOKEN_TTL });
    });
    afterAll(() => stack?.close());

    more?.(() => stack);

    it("signs in through the dev IdP's pages, and /bff/session shows the user", async () => {
      browser = new TestBrowser();
      const { response } = await signIn(browser, `${stack.origin}/bff/login?returnTo=/orders`, alice);
      expect(response.url).toBe(`${stack.origin}/orders`);
      const session = await call('/bff/session');
      expect(session.status).toBe(200);
      expect(session.headers.get('cache-control')).toBe('no-store');
      expect(await session.json()).toMatchObject({ authenticated: true, user: { sub: 'alice', name: 'Alice Anderson' } });
      // Where the session is: sealed into chunked cookies, or in a store behind one cookie with its id.
      const cookies = browser.cookies(stack.origin);
      expect(cookies.has(options.statelessSessions ? '__Host-cloakroom.0' : '__Host-cloakroom')).toBe(true);
    });

    it('proxies a GET, and a POST whose body streams in chunks, to the orders API', async () => {
      const empty = await call('/bff/api/orders/orders');
      expect(empty.status).toBe(200);
      expect(await empty.json()).toEqual([]);

      const item = `streamed through ${host} in chunks`;
      const created = await call('/bff/api/orders/orders', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: streamOf(JSON.stringify({ item }), 4),
        duplex: 'half',
      });
      expect(created.status).toBe(201);
      const order = (await created.json()) as { id: string; item: string };
      expect(order.item).toBe(item); // what the API parsed: the body arrived whole

      const listed = await call('/bff/api/orders/orders');
      expect(await listed.json()).toEqual([order]);
    });

    if (options.refresh) {
      it('refreshes the expired access token silently on the next proxied call', async () => {
        const grants = stack.idp.counts.refreshTokenGrants;
        // Whatever access token the session holds was issued before this wait, so it has expired.
        await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
        const response = await call('/bff/api/orders/me');
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ sub: 'alice' });
        expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
      });
    }

    it(options.statelessSessions ? 'logout ends the session' : 'logout ends the session, on the server too', async () => {
      const cookie = browser.cookies(stack.origin).get('__Host-cloakroom');
      const response = await call('/bff/logout', { method: 'POST' });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ endSessionUrl: expect.stringContaining(`${stack.idp.issuer}/`) as unknown });
      expect(await sessionOf(browser)).toEqual({ authenticated: false });
      expect((await call('/bff/api/orders/orders')).status).toBe(401);
      if (options.statelessSessions) return;
      // The cookie a thief kept opens nothing: the session is gone from the store.
      const replayed = await fetch(`${stack.origin}/bff/session`, { headers: { ...json, cookie: `__Host-cloakroom=${cookie!}` } });
      expect(await replayed.json()).toEqual({ authenticated: false });
    });

    if (options.backchannelLogout) {
      it('back-channel logout from the IdP ends a second sign-in', async () => {
        const second = new TestBrowser();
        await signIn(second, `${stack.origin}/bff/login`, alice);
        expect(await sessionOf(second)).toMatchObject({ authenticated: true });
        // Signing out at the IdP makes it POST a logout token to the BFF's back-channel logout route.
        const confirm = await second.follow(`${stack.idp.issuer}/session/end`);
        await submitForm(second, { url: confirm.url, html: await confirm.text() }, { button: 'Sign out' });
        expect(second.cookies(stack.origin).has('__Host-cloakroom')).toBe(true); // the browser still has it
        expect(await sessionOf(second)).toEqual({ authenticated: false });
      });
    }
  });
}
