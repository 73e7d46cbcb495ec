import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { sealData } from 'iron-session';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySessionStore, type BffConfig, type Session } from '../src/index.js';
import { startStack } from './stack.js';

const json = { 'x-csrf': '1' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SECRET_A = 'secret-a-secret-a-secret-a-secret-a-0001';
const SECRET_B = 'secret-b-secret-b-secret-b-secret-b-0002';

/** A real memory store that counts its writes and can be switched off, as a network store goes down. */
class ObservedStore extends MemorySessionStore {
  writes = 0;
  down = false;
  override async set(session: Session, ttlSeconds: number) {
    this.#check();
    this.writes++;
    return super.set(session, ttlSeconds);
  }
  override async get(id: string) {
    this.#check();
    return super.get(id);
  }
  #check() {
    if (this.down) throw new Error('ECONNREFUSED 127.0.0.1:6379');
  }
}

let stacks: Awaited<ReturnType<typeof startStack>>[] = [];
afterEach(async () => {
  await Promise.all(stacks.map((stack) => stack.close()));
  stacks = [];
});

async function stackWith(bff: Partial<BffConfig>) {
  const stack = await startStack(() => ({}), { bff });
  stacks.push(stack);
  const browser = new TestBrowser();
  await signIn(browser, `${stack.bff.origin}/bff/login`, { username: 'alice', password: 'alice-password' });
  const session = () => browser.fetch(`${stack.bff.origin}/bff/session`, { headers: json }).then((response) => response.json());
  return { stack, browser, session };
}

describe('session lifetimes', () => {
  it('ends a session after the idle timeout, and requests in time extend it', async () => {
    // Times are whole seconds, so a 4-second idle window is 3 to 4 seconds long.
    const { session } = await stackWith({ session: { idleTimeout: 4, absoluteLifetime: 60 } });
    for (let i = 0; i < 3; i++) {
      await sleep(1500);
      expect(await session()).toMatchObject({ authenticated: true }); // each request within the window
    }
    await sleep(4200);
    expect(await session()).toEqual({ authenticated: false });
  });

  it('ends a session at its absolute lifetime, however active', async () => {
    // Times are whole epoch seconds, so a 4-second session ends between 3 and 4 seconds from now.
    const { session } = await stackWith({ session: { idleTimeout: 4, absoluteLifetime: 4 } });
    const first = await session();
    expect(first.expiresAt - Date.now() / 1000).toBeLessThanOrEqual(4);
    for (let i = 0; i < 3; i++) {
      await sleep(800);
      expect(await session()).toMatchObject({ authenticated: true });
    }
    await sleep(2000);
    expect(await session()).toEqual({ authenticated: false });
  });

  it('writes the session back only when a quarter of the idle window has passed, not on every request', async () => {
    const store = new ObservedStore();
    const { session } = await stackWith({ session: { store, idleTimeout: 8, absoluteLifetime: 60 } });
    const afterSignIn = store.writes;
    // Times are whole seconds: within the first second a quarter (2 s) cannot have passed.
    for (let i = 0; i < 10; i++) await session();
    expect(store.writes).toBe(afterSignIn);
    await sleep(2100);
    const { expiresAt: before } = await session();
    await session();
    expect(store.writes).toBe(afterSignIn + 1);
    expect((await session()).expiresAt).toBe(before);
  });
});

describe('session ids', () => {
  it('are 256 random bits (43 base64url characters), new at every sign-in, and never in the cookie as such', async () => {
    const store = new MemorySessionStore();
    const { stack, browser } = await stackWith({ session: { store } });
    for (let i = 0; i < 4; i++)
      await signIn(new TestBrowser(), `${stack.bff.origin}/bff/login`, { username: 'alice', password: 'alice-password' });
    const ids = await store.idsBySub('alice');
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The cookie is a seal of the id: it does not show it.
    const cookie = browser.cookies(stack.bff.origin).get('__Host-cloakroom')!;
    for (const id of ids) expect(cookie).not.toContain(id);
  });
});

describe('sessions per user', () => {
  it("keeps one user's sign-in flood from evicting another user: a sign-in past maxPerUser ends that user's oldest", async () => {
    const store = new MemorySessionStore({ maxSessions: 8 });
    const { stack, session: victim } = await stackWith({ session: { store, maxPerUser: 3 } });
    const [victimId] = await store.idsBySub('alice');
    // The attacker repeats the code flow 10× the cap, each time without the BFF cookie of the last.
    let attacker = new TestBrowser();
    const attackerSessions: string[] = [];
    for (let i = 0; i < 30; i++) {
      attacker = new TestBrowser();
      await signIn(attacker, `${stack.bff.origin}/bff/login`, { username: 'bob', password: 'bob-password' });
      attackerSessions.push(...(await store.idsBySub('bob')).filter((id) => !attackerSessions.includes(id)));
    }
    expect(await victim()).toMatchObject({ authenticated: true, user: { sub: 'alice' } });
    expect(await store.get(victimId!)).toBeDefined();
    const held = await store.idsBySub('bob');
    expect(held).toHaveLength(3);
    // The newest three are the ones kept.
    expect(held.sort()).toEqual(attackerSessions.slice(-3).sort());
    expect(await (await attacker.fetch(`${stack.bff.origin}/bff/session`, { headers: json })).json()).toMatchObject({
      authenticated: true,
    });
  });
});

describe('cookie secret rotation', () => {
  it('opens cookies sealed with an older secret and seals new ones with the newest', async () => {
    const store = new MemorySessionStore();
    const { stack, browser } = await stackWith({ cookieSecret: [SECRET_A, SECRET_B], session: { store } });
    // New cookies: sealed with the newest secret (password id 2 of the iron seal `Fe26.2*<id>*…`).
    expect(browser.cookies(stack.bff.origin).get('__Host-cloakroom')).toMatch(/^Fe26\.2\*2\*/);

    // A cookie sealed before the rotation, with secret A alone (id 1), still opens.
    const [id] = await store.idsBySub('alice');
    const oldCookie = await sealData({ id }, { password: { 1: SECRET_A } });
    expect(oldCookie).toMatch(/^Fe26\.2\*1\*/);
    const opened = await fetch(`${stack.bff.origin}/bff/session`, { headers: { ...json, cookie: `__Host-cloakroom=${oldCookie}` } });
    expect(await opened.json()).toMatchObject({ authenticated: true, user: { sub: 'alice' } });

    // Once A is retired, cookies sealed with it open nothing.
    const retired = await startStack(() => ({}), { bff: { cookieSecret: [SECRET_B], session: { store } } });
    stacks.push(retired);
    const refused = await fetch(`${retired.bff.origin}/bff/session`, { headers: { ...json, cookie: `__Host-cloakroom=${oldCookie}` } });
    expect(await refused.json()).toEqual({ authenticated: false });
  });
});

describe('sign out everywhere', () => {
  it('bff.sessions.revokeUser(sub) ends every session of the user and revokes their refresh tokens', async () => {
    const store = new MemorySessionStore();
    const { stack, session } = await stackWith({ session: { store } });
    const second = new TestBrowser();
    await signIn(second, `${stack.bff.origin}/bff/login`, { username: 'alice', password: 'alice-password' });
    const bob = new TestBrowser();
    await signIn(bob, `${stack.bff.origin}/bff/login`, { username: 'bob', password: 'bob-password' });
    const refreshTokens = await Promise.all((await store.idsBySub('alice')).map(async (id) => (await store.get(id))!.refreshToken!));

    expect(await stack.bff.app.sessions.revokeUser('alice')).toBe(2);
    expect(await session()).toEqual({ authenticated: false });
    expect(await (await second.fetch(`${stack.bff.origin}/bff/session`, { headers: json })).json()).toEqual({ authenticated: false });
    expect(await (await bob.fetch(`${stack.bff.origin}/bff/session`, { headers: json })).json()).toMatchObject({ authenticated: true });
    for (const token of refreshTokens) {
      const introspection = await fetch(`${stack.idp.issuer}/token/introspection`, {
        method: 'POST',
        headers: { authorization: `Basic ${btoa(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`)}` },
        body: new URLSearchParams({ token }),
      });
      expect(await introspection.json()).toEqual({ active: false });
    }
  });

  it('offers the same as an opt-in admin route, behind its own bearer credential', async () => {
    const adminToken = 'an-admin-credential-of-at-least-32-chars';
    const { stack, browser, session } = await stackWith({ admin: { token: adminToken } });
    const revoke = (headers: Record<string, string>, body = '{"sub":"alice"}') =>
      fetch(`${stack.bff.origin}/bff/admin/revoke-user`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });

    const cookie = `__Host-cloakroom=${browser.cookies(stack.bff.origin).get('__Host-cloakroom')}`;
    const missing = await revoke({});
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await missing.json()).toMatchObject({ code: 'unauthorized' });
    expect((await revoke({ authorization: 'Bearer wrong-credential-wrong-credential-00' })).status).toBe(401);
    expect((await revoke({ cookie, 'x-csrf': '1' })).status).toBe(401); // a user's session is no admin credential
    expect(await session()).toMatchObject({ authenticated: true });

    expect((await revoke({ authorization: `Bearer ${adminToken}` }, '{}')).status).toBe(400);
    const done = await revoke({ authorization: `Bearer ${adminToken}` });
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ sub: 'alice', revoked: 1 });
    expect(await session()).toEqual({ authenticated: false });
  });

  it('has no admin route unless configured', async () => {
    const { stack } = await stackWith({});
    const response = await fetch(`${stack.bff.origin}/bff/admin/revoke-user`, { method: 'POST', body: '{"sub":"alice"}' });
    expect(response.status).toBe(404);
  });
});

describe('a session store that is down', () => {
  it('answers 503 session_store_unavailable, keeps the cookie, and recovers', async () => {
    const store = new ObservedStore();
    const { stack, browser, session } = await stackWith({ session: { store } });
    store.down = true;
    const down = await browser.fetch(`${stack.bff.origin}/bff/session`, { headers: json });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(await down.json()).toMatchObject({ code: 'session_store_unavailable' });
    expect(down.headers.getSetCookie()).toEqual([]);
    const api = await browser.fetch(`${stack.bff.origin}/bff/api/any/x`, { headers: json });
    expect(api.status).toBe(404); // unknown API: answered before the store is needed
    store.down = false;
    expect(await session()).toMatchObject({ authenticated: true });
  });
});
