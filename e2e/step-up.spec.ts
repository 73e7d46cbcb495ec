import { ALICE, MFA_ACR, PASSWORD_ACR } from '@cloakroom/idp';
import { devIdp, readSession, stepUpThroughIdp } from '@cloakroom/playwright';
import { expect, signIn, test } from './fixtures.js';

test('a transfer needs a second factor: the user verifies it is them at the IdP, comes back, and the transfer goes through', async ({
  page,
  stack,
}) => {
  const earlier = new Set(await stack.store.idsBySub('alice'));
  await signIn(page, 'alice', 'alice-password');
  expect(await readSession(page)).toMatchObject({ authenticated: true, user: { sub: 'alice' }, acr: PASSWORD_ACR });
  const [passwordSession] = (await stack.store.idsBySub('alice')).filter((id) => !earlier.has(id));
  expect(passwordSession).toBeDefined();

  await page.getByRole('link', { name: 'Transfer' }).click();
  await expect(page.getByTestId('session-acr')).toHaveText(PASSWORD_ACR);
  await page.getByTestId('transfer-to').fill('bob');
  await page.getByTestId('transfer-amount').fill('25');

  // The API answers 401 insufficient_user_authentication, the BFF step_up_required, and the SPA sends
  // the browser to the IdP with acr_values and max_age: its one-time-code page, not its password page.
  const atIdp: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(stack.idp.issuer)) atIdp.push(new URL(request.url()).pathname);
  });
  await stepUpThroughIdp(page, {
    user: ALICE,
    idp: devIdp,
    control: (app) => app.getByTestId('transfer-submit'),
    done: (app) => app.getByTestId('transfer-confirm'),
  });
  expect(atIdp.some((path) => /^\/interaction\/[^/]+\/otp$/.test(path))).toBe(true);
  expect(atIdp.some((path) => /^\/interaction\/[^/]+\/login$/.test(path))).toBe(false);

  // Back on the transfer page, signed in anew with the second factor, the form filled in again.
  expect(new URL(page.url()).pathname).toBe('/transfer');
  const session = await readSession(page);
  expect(session).toMatchObject({ authenticated: true, user: { sub: 'alice' }, acr: MFA_ACR, authTime: expect.any(Number) });
  await expect(page.getByTestId('session-acr')).toHaveText(MFA_ACR);
  await expect(page.getByTestId('transfer-to')).toHaveValue('bob');
  await expect(page.getByTestId('transfer-amount')).toHaveValue('25');
  // A new session replaced the password one.
  const sessions = await stack.store.idsBySub('alice');
  expect(sessions).not.toContain(passwordSession);
  expect(sessions.filter((id) => !earlier.has(id))).toHaveLength(1);

  await page.getByTestId('transfer-submit').click();
  await expect(page.getByTestId('transfer-done')).toHaveText('Sent 25 to bob.');
  await expect(page.getByTestId('error')).toHaveCount(0);
});
