// A user's end-to-end tests, as the README of @cloakroom/playwright shows them: its whole public API.
import { devIdp, readSession, signInThroughIdp, signOut, withSignedInUser, type IdpSelectors } from '@cloakroom/playwright';
import { expect, test as base } from '@playwright/test';

const keycloak: IdpSelectors = {
  username: '#username',
  password: '#password',
  submit: '#kc-login',
  consent: '#kc-login[name=accept]',
  confirmSignOut: (page) => page.locator('#kc-logout'),
};

const users = [
  { username: 'alice', password: 'alice-password', name: 'Alice' },
  { username: 'bob', password: 'bob-password', name: 'Bob' },
];
const test = withSignedInUser(base, { user: ({ parallelIndex }) => users[parallelIndex % users.length]!, idp: devIdp });

test('starts signed in', async ({ page, workerUser }) => {
  await page.goto('/');
  const session = await readSession<{ sub: string; name: string }>(page);
  expect(session.authenticated && session.user.name).toBe(workerUser.name);
  await signOut(page, { control: (app) => app.getByRole('button', { name: 'Sign out' }) });
});

base('signs in at Keycloak', async ({ page }) => {
  await signInThroughIdp(page, { user: users[0]!, idp: keycloak, start: '/orders', signedIn: 'text=Alice', basePath: '/auth' });
  expect(await readSession(page.request, { basePath: '/auth' })).toMatchObject({ authenticated: true });
});
