import { DEMO_USERS, type DemoUser } from '@cloakroom/idp';
import { devIdp, readSession, signOut, withSignedInUser } from '@cloakroom/playwright';
import { expect, test as stackTest } from './fixtures.js';

/**
 * `@cloakroom/playwright` against the demo, as a user's own tests would use it: each worker signs
 * its demo user in once through the dev IdP's pages, and every test of the worker starts signed in.
 */
const test = withSignedInUser(stackTest, {
  // One demo user per parallel worker: two workers never share, nor sign out, one session.
  user: ({ parallelIndex }) => DEMO_USERS[parallelIndex % DEMO_USERS.length]!,
  idp: devIdp,
}).extend<object, object>({
  // The demo's URL is known once the worker's stack runs.
  appURL: [async ({ stack }, use) => use(stack.app.url), { scope: 'worker' }],
});

/** The user the demo's session answer names. */
type SessionUser = Pick<DemoUser, 'sub' | 'name'>;

test('a test starts signed in from the worker storage state: no visit to the IdP, /bff/session names the user', async ({
  page,
  stack,
  workerUser,
}) => {
  const atIdp: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(stack.idp.issuer)) atIdp.push(request.url());
  });
  await page.goto('/');
  await expect(page.getByTestId('user-name')).toHaveText(workerUser.name);
  await expect(page.getByTestId('orders-list')).toBeAttached(); // a proxied call, with the session's token
  expect(await readSession<SessionUser>(page)).toMatchObject({ authenticated: true, user: { sub: workerUser.sub, name: workerUser.name } });
  expect(atIdp).toEqual([]);
});

// Last in this file: it ends the session that the worker's tests share.
test('signOut ends the session of the worker: /bff/session says signed out, and a proxied call answers 401', async ({
  page,
  stack,
  workerUser,
}) => {
  // The worker signed in once: this test starts from the same session as the one before it.
  expect(await stack.store.idsBySub(workerUser.sub)).toHaveLength(1);
  await page.goto('/');
  await expect(page.getByTestId('user-name')).toHaveText(workerUser.name);

  await signOut(page, { idp: devIdp });
  await expect(page.getByTestId('sign-in')).toBeVisible();
  expect(await readSession(page)).toEqual({ authenticated: false });
  const call = await page.request.get('/bff/api/orders/orders', { headers: { 'x-csrf': '1' } });
  expect(call.status()).toBe(401);
  expect(await call.json()).toMatchObject({ code: 'login_required' });
  expect(await stack.store.idsBySub(workerUser.sub)).toEqual([]);
});
