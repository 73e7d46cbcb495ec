import { startDemoBff } from '@cloakroom/demo-bff';
import { ALICE, TOKEN_SPA_CLIENT_ID } from '@cloakroom/idp';
import type { Browser, Page } from '@playwright/test';
import { injectedScript, JWT_SHAPE, startAttacker, type Attacker, type Loot } from './attacker.js';
import { expect, signIn, test } from './fixtures.js';
import type { Stack } from './demo-stack.js';

// Issue 13's XSS demonstration: the same injected script in an app that keeps its tokens in the
// browser (apps/token-spa, oidc-client-ts) and in the Cloakroom demo (apps/web behind the BFF).
// Both run on Vite's dev server, without a Content-Security-Policy, so that the comparison is about
// where the tokens are; the static demo's CSP, a further limit, has its own test at the end.
// Access tokens live 5 minutes here (the IdP's default): the stolen one must still be valid.
test.use({ stackOptions: { server: 'vite', tokenSpa: true } });

let attacker: Attacker;
test.beforeAll(async () => {
  attacker = await startAttacker();
});
test.afterAll(async () => {
  await attacker.close();
});

/** A browser context of its own for the victim: closing it closes the tab and everything in it. */
async function victimPage(browser: Browser, baseURL: string): Promise<Page> {
  const context = await browser.newContext({ baseURL });
  return context.newPage();
}

/** Runs the script in the page, as an XSS would, and returns what reached the attacker. */
async function inject(page: Page, script: string): Promise<Loot> {
  const before = attacker.loot.length;
  expect(await page.evaluate(script), 'the report reached the attacker').toBe(true);
  expect(attacker.loot).toHaveLength(before + 1);
  return attacker.loot[before]!;
}

/** The attacker's own calls: from Node, another origin, no browser and no cookie of the victim's. */
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

/** Every token the BFF holds for `sub`, from its session store. */
async function serverSideTokens(stack: Stack, sub: string): Promise<string[]> {
  const sessions = await Promise.all((await stack.store.idsBySub(sub)).map((id) => stack.store.get(id)));
  return sessions
    .flatMap((session) =>
      session ? [session.refreshToken, session.idToken, ...Object.values(session.accessTokens).map((token) => token.value)] : [],
    )
    .filter((token): token is string => typeof token === 'string');
}

test('one injected script: it takes working tokens from the oidc-client-ts app, and nothing usable from the Cloakroom app', async ({
  browser,
  stack,
}) => {
  const script = injectedScript(attacker);
  const tokenSpa = stack.tokenSpa!;

  await test.step('oidc-client-ts app: the script reads the access and refresh tokens from storage', async () => {
    const page = await victimPage(browser, tokenSpa.url);
    await signIn(page, 'alice', 'alice-password', '/');
    await expect(page.getByTestId('orders')).toHaveText(/^\d+ orders$/); // the app calls the API with its token

    const loot = await inject(page, script);
    await page.context().close(); // the tab, and the browser, are gone

    const found = (name: string) => loot.tokens.find(({ where }) => where.endsWith(`[${JSON.stringify(name)}]`))?.value;
    const accessToken = found('access_token');
    const refreshToken = found('refresh_token');
    expect(accessToken).toMatch(JWT_SHAPE);
    expect(refreshToken).toEqual(expect.any(String));

    // From another origin, after the tab is closed: the access token works as long as it lives…
    const orders = await fetch(`${stack.api.url}/orders`, bearer(accessToken!));
    expect(orders.status).toBe(200);
    // …and the refresh token makes new ones: a public client needs no secret. (No Origin header from
    // a server, so the token endpoint's CORS rule, which only binds browsers, does not apply.)
    const refreshed = await fetch(`${stack.idp.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken!, client_id: TOKEN_SPA_CLIENT_ID }),
    });
    expect(refreshed.status).toBe(200);
    const fresh = (await refreshed.json()) as { access_token: string; refresh_token: string };
    expect(fresh.access_token).not.toBe(accessToken);
    expect(fresh.refresh_token).toEqual(expect.any(String)); // and so on, for the refresh token's lifetime
    expect((await fetch(`${stack.api.url}/orders`, bearer(fresh.access_token))).status).toBe(200);
    const order = await fetch(`${stack.api.url}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fresh.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ item: 'ordered by the attacker' }),
    });
    expect(order.status).toBe(201);
  });

  await test.step('Cloakroom app: the same script finds no token, and once the tab is closed can do nothing', async () => {
    const page = await victimPage(browser, stack.app.url);
    await signIn(page, 'alice', 'alice-password');
    await expect(page.getByTestId('orders-list')).toBeAttached(); // the app calls the API through the BFF

    const loot = await inject(page, script);
    const tokens = await serverSideTokens(stack, ALICE.sub);
    expect(tokens.length).toBeGreaterThanOrEqual(2); // the refresh token and an access token, on the server
    const text = JSON.stringify(loot);
    for (const token of tokens) expect(text.includes(token), 'a token of the session is in the loot').toBe(false);
    expect(text).not.toMatch(JWT_SHAPE);
    expect(loot.tokens).toEqual([]);

    // What remains while the page is open: the same kind of script can ride the session, through
    // the BFF, on the routes the app uses; it never sees a token, and the rest of the API is refused.
    const riding = await page.evaluate(async () => {
      const call = async (path: string) => {
        const response = await fetch(path, { headers: { 'x-csrf': '1' } });
        return { status: response.status, body: await response.text() };
      };
      return { orders: await call('/bff/api/orders/orders'), me: await call('/bff/api/orders/me'), session: await call('/bff/session') };
    });
    expect(riding.orders.status).toBe(200);
    expect(riding.me.status).toBe(403); // GET /me exists upstream, but is not among the demo's routes
    expect(JSON.parse(riding.me.body)).toMatchObject({ code: 'route_not_allowed' });
    expect(JSON.parse(riding.session.body)).toMatchObject({ authenticated: true, user: { sub: ALICE.sub } });
    for (const { body } of Object.values(riding)) {
      expect(body).not.toMatch(JWT_SHAPE);
      for (const token of tokens) expect(body.includes(token)).toBe(false);
    }

    await page.context().close();

    // After the tab is closed, the loot is all the attacker has: its cookies are not the session's
    // (HttpOnly), so the BFF knows no session and the API is out of reach.
    expect(loot.cookies).not.toContain('__Host-cloakroom');
    const asVictim = { headers: { cookie: loot.cookies, 'x-csrf': '1' } };
    const session = await fetch(`${stack.app.url}/bff/session`, asVictim);
    expect(await session.json()).toMatchObject({ authenticated: false });
    const orders = await fetch(`${stack.app.url}/bff/api/orders/orders`, asVictim);
    expect(orders.status).toBe(401);
    expect(await orders.json()).toMatchObject({ code: 'login_required' });
  });
});

test("with the static demo's Content-Security-Policy, the same script cannot even send its report", async ({ browser, stack }) => {
  // The demo as `pnpm start` serves it (apps/bff with appSecurityHeaders()): `connect-src 'self'`.
  const demo = await startDemoBff({ port: 0, issuer: stack.idp.issuer, apiUrl: stack.api.url, bff: { logger: stack.logger } });
  try {
    const page = await victimPage(browser, demo.url);
    await page.goto('/');
    await expect(page.getByTestId('sign-in')).toBeVisible();
    const before = attacker.loot.length;
    expect(await page.evaluate(injectedScript(attacker))).toBe(false);
    expect(attacker.loot).toHaveLength(before);
    await page.context().close();
  } finally {
    await demo.close();
  }
});
