// @vitest-environment happy-dom
// The SDK with React 18: the package's source and a fixture are bundled with esbuild, `react` and
// `react-dom` aliased to the `react18` / `react-dom18` devDependencies, and run here. (Vitest itself
// resolves `react` to 19 for every other test, and cannot alias it per file.)
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it, vi } from 'vitest';
import type { FetchLike } from '../src/index.js';
import type * as FixtureModule from './react18/fixture.js';
import { jsonResponse } from '@cloakroom/test-harness/fake-bff';

type Fixture = typeof FixtureModule;

// A string, not `new URL()`: under happy-dom, `URL` is the DOM's, which node:url does not take.
const testDir = dirname(fileURLToPath(import.meta.url));

async function loadFixtureWithReact18(): Promise<Fixture> {
  const result = await build({
    entryPoints: [join(testDir, 'react18/fixture.tsx')],
    // Aliased paths resolve from here, where the react18 / react-dom18 devDependencies live.
    absWorkingDir: join(testDir, '..'),
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'fixture',
    platform: 'browser',
    jsx: 'automatic',
    conditions: ['source'],
    alias: { react: 'react18', 'react-dom': 'react-dom18' },
    define: { 'process.env.NODE_ENV': '"development"' },
    logLevel: 'silent',
  });
  // Our own bundle, built just above.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluates the bundle esbuild just built
  return new Function(`${result.outputFiles[0]!.text}; return fixture;`)() as Fixture;
}

let unmount = () => {};
afterEach(() => unmount());

it('works with React 18 under StrictMode: one /session request; sign-out goes to the IdP, not back to login', async () => {
  const { mount } = await loadFixtureWithReact18();
  let signedIn = true;
  const calls: string[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push(`${init.method ?? 'GET'} ${url}`);
    if (url === '/bff/logout') {
      signedIn = false;
      return jsonResponse({ endSessionUrl: 'http://127.0.0.1:4000/session/end' });
    }
    return jsonResponse(
      signedIn ? { authenticated: true, user: { sub: 'alice', name: 'Alice' }, expiresAt: null } : { authenticated: false },
    );
  };
  const navigate = vi.fn();
  window.history.replaceState(null, '', '/orders');
  const container = document.createElement('div');
  document.body.append(container);

  const mounted = mount(container, fetch, navigate);
  unmount = mounted.unmount;
  expect(mounted.reactVersion).toMatch(/^18\./);

  await vi.waitFor(() => expect(container.textContent).toBe('Sign out AliceOrders'));
  expect(calls).toEqual(['GET /bff/session']);

  container.querySelector('button')!.click();
  await vi.waitFor(() => expect(container.textContent).toBe('Signed outRedirecting'));
  await vi.waitFor(() => expect(navigate).toHaveBeenCalled());
  // Give <RequireAuth> every chance to (wrongly) log in after the state change.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(navigate).toHaveBeenCalledExactlyOnceWith('http://127.0.0.1:4000/session/end');
  expect(calls).toEqual(['GET /bff/session', 'POST /bff/logout']);
});
