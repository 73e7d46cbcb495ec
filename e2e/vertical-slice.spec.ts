import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '@cloakroom/idp';
import type { Response } from '@playwright/test';
import { expect, signIn, test } from './fixtures.js';

const JWT_SHAPE = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/;

test('sign in, see the session, list and create orders through the BFF, sign out — no token in the browser', async ({
  page,
  context,
  stack,
}) => {
  // Everything the page receives, from any origin: headers and bodies.
  const received: Promise<string>[] = [];
  const capture = async (response: Response) => {
    const headers = JSON.stringify(await response.allHeaders());
    const body = await response.text().catch(() => ''); // redirects have no body to read
    return `${response.url()}\n${headers}\n${body}`;
  };
  page.on('response', (response) => received.push(capture(response)));

  const earlierSessions = new Set(await stack.store.idsBySub('alice'));
  await signIn(page, 'alice', 'alice-password');
  await expect(page.getByTestId('user-name')).toHaveText('Alice Anderson');

  // Orders through /bff/api/orders → the demo API, which checks the bearer token itself.
  await expect(page.getByTestId('orders-list')).toBeAttached();
  await page.getByTestId('new-order-input').fill('A warm coat');
  await page.getByTestId('create-order').click();
  await expect(page.getByTestId('order-item')).toContainText(['A warm coat']);
  await page.getByTestId('load-orders').click();
  await expect(page.getByTestId('order-item')).toContainText(['A warm coat']);

  // The tokens exist — on the server.
  const [sessionId] = (await stack.store.idsBySub('alice')).filter((id) => !earlierSessions.has(id));
  const session = (await stack.store.get(sessionId!))!;
  // (No ID token: the BFF keeps it only for logoutIdTokenHint.)
  const tokens = [session.refreshToken!, ...Object.values(session.accessTokens).map((token) => token.value)];
  expect(tokens.every((token) => token.length > 20)).toBe(true);

  // …and nowhere in the browser: storage, script-visible cookies, or any response it got.
  const storage = await page.evaluate(() => ({
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    cookie: document.cookie,
  }));
  expect(storage.cookie).toBe('');
  const everything = [storage.local, storage.session, ...(await Promise.all(received))].join('\n');
  for (const token of tokens) expect(everything).not.toContain(token);
  expect(everything).not.toMatch(JWT_SHAPE);
  // Nor in the BFF's log.
  const log = stack.log.join('\n');
  expect(log).toContain('signed in');
  for (const token of tokens) expect(log).not.toContain(token);

  const cookie = (await context.cookies(stack.app.url)).find((candidate) => candidate.name === '__Host-cloakroom');
  expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });

  // Sign out: the BFF ends the session and sends the browser to the IdP (RP-initiated logout).
  await page.getByTestId('sign-out').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByTestId('sign-in')).toBeVisible();
  expect(new URL(page.url()).origin).toBe(stack.app.url);
  expect(await stack.store.get(sessionId!)).toBeUndefined();
  expect((await context.cookies(stack.app.url)).map((candidate) => candidate.name)).not.toContain('__Host-cloakroom');

  // The refresh token was revoked at the IdP (RFC 7009), so it is dead even if it had leaked.
  const introspection = await fetch(`${stack.idp.issuer}/token/introspection`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${btoa(`${DEMO_CLIENT_ID}:${DEMO_CLIENT_SECRET}`)}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token: session.refreshToken! }),
  });
  expect(await introspection.json()).toEqual({ active: false });
});
