import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApi, type RunningApi } from '@cloakroom/demo-api';
import { bffClient, ORDERS_API, startIdp, type RunningIdp } from '@cloakroom/idp';
import { expect, test, type Page } from '@playwright/test';
import { signIn } from './fixtures.js';
import { freePort } from '@cloakroom/test-harness/loopback';
import { createServer, type ViteDevServer } from 'vite';

// `pnpm dev`: the demo app on Vite's dev server, with the BFF inside it through @cloakroom/vite.
// The dev server runs the demo's own vite.config.ts, on a copy of apps/web in a temporary directory,
// so that editing a component never touches the repository.

const repo = fileURLToPath(new URL('..', import.meta.url));
const web = join(repo, 'apps/web');

/** apps/web without its build output, its packages linked rather than copied. */
async function copyWebApp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cloakroom-web-'));
  for (const entry of ['index.html', 'package.json', 'vite.config.ts', 'src'])
    await cp(join(web, entry), join(dir, entry), { recursive: true });
  await symlink(join(web, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

const sessionOf = (page: Page) =>
  page.evaluate(async () => (await fetch('/bff/session', { headers: { 'x-csrf': '1' } })).json() as Promise<{ authenticated: boolean }>);

let idp: RunningIdp | undefined;
let api: RunningApi | undefined;
let vite: ViteDevServer | undefined;
let app: string | undefined;
const savedEnv = { IDP_ISSUER: process.env.IDP_ISSUER, API_URL: process.env.API_URL };

test.afterAll(async () => {
  await vite?.close();
  await api?.close();
  await idp?.close();
  if (app) await rm(app, { recursive: true, force: true });
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

test('on the Vite dev server: sign in, edit a component, see it hot-updated while still signed in', async ({ page }) => {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  idp = await startIdp({ port: 0, clients: [bffClient({ origin })] });
  api = await startApi({ port: 0, issuer: idp.issuer, audience: ORDERS_API });
  // The demo's vite.config.ts takes these as apps/bff does.
  process.env.IDP_ISSUER = idp.issuer;
  process.env.API_URL = api.url;

  app = await copyWebApp();
  vite = await createServer({
    root: app,
    configFile: join(app, 'vite.config.ts'),
    // Loaded by Node itself (TypeScript through this runner's loader), so that the workspace packages
    // it imports resolve to their sources like everything else here.
    configLoader: 'native',
    cacheDir: join(app, '.vite'),
    logLevel: 'warn',
    // The demo's port is 3000; this one is free. The copy lives outside the workspace: let Vite
    // serve the workspace packages (their sources) and the dependencies it links to.
    server: { port, strictPort: true, fs: { allow: [app, repo] } },
  });
  await vite.listen();
  expect(vite.resolvedUrls?.local[0]).toBe(`${origin}/`);

  const hotUpdates: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('[vite] hot updated')) hotUpdates.push(message.text());
  });

  await signIn(page, 'alice', 'alice-password', origin);
  await expect(page.getByTestId('user-name')).toHaveText('Alice Anderson');
  expect(new URL(page.url()).origin).toBe(origin); // back on the dev server, not the BFF's own port
  await expect(page.getByRole('heading', { name: 'Your orders' })).toBeVisible();
  await page.getByTestId('new-order-input').fill('A hot coat');

  // A full reload would lose this marker and the half-typed order.
  await page.evaluate(() => ((window as unknown as { beforeEdit: string }).beforeEdit = 'still here'));
  const panel = join(app, 'src/components/OrdersPanel.tsx');
  const source = await readFile(panel, 'utf8');
  expect(source).toContain('>Your orders<');
  await writeFile(panel, source.replace('>Your orders<', '>Your orders, hot from Vite<'));

  await expect(page.getByRole('heading', { name: 'Your orders, hot from Vite' })).toBeVisible();
  expect(hotUpdates.some((text) => text.includes('/src/components/OrdersPanel.tsx'))).toBe(true);
  expect(await page.evaluate(() => (window as unknown as { beforeEdit?: string }).beforeEdit)).toBe('still here');
  await expect(page.getByTestId('new-order-input')).toHaveValue('A hot coat');

  // Still signed in: the session answers, and a call through the BFF to the API works.
  await expect(page.getByTestId('user-name')).toHaveText('Alice Anderson');
  expect(await sessionOf(page)).toMatchObject({ authenticated: true });
  await page.getByTestId('create-order').click();
  await expect(page.getByTestId('order-item')).toContainText(['A hot coat']);
});
