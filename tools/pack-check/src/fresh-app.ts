import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOrThrow } from './run.js';
import type { PackedPackage } from './tarball.js';
import { exportedFiles, readManifest } from './workspace.js';

const fixtureApp = fileURLToPath(new URL('../fixture-app/', import.meta.url));
const packCheckDir = fileURLToPath(new URL('../', import.meta.url));

/**
 * What a fresh app installs besides the tarballs, at the versions this package's lockfile pins (so
 * a release of one of them changes this check only through a lockfile update).
 */
const appDependencies = ['hono', 'react', 'react-dom'];
// @playwright/test: the peer of @cloakroom/playwright, which npm would otherwise install at whatever is latest.
const appDevDependencies = [
  '@playwright/test',
  '@types/node',
  '@types/react',
  '@types/react-dom',
  '@vitejs/plugin-react',
  'typescript',
  'vite',
];

function pinned(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, readManifest(join(packCheckDir, 'node_modules', name)).version]));
}

/** The app's package.json: the tarballs as dependencies, and every use of them bound to the tarball. */
function appManifest(packages: readonly PackedPackage[]): object {
  const tarballs = Object.fromEntries(packages.map((pkg) => [pkg.name, `file:${pkg.tarball}`]));
  return {
    name: 'cloakroom-fresh-app',
    private: true,
    type: 'module',
    dependencies: { ...tarballs, ...pinned(appDependencies) },
    devDependencies: pinned(appDevDependencies),
    // @cloakroom/react depends on @cloakroom/client by version; that version is this tarball too.
    overrides: Object.fromEntries(packages.map((pkg) => [pkg.name, `$${pkg.name}`])),
  };
}

/** One `import` of every entry point of every package, in Node, as a server would load them. */
async function importEveryEntryPoint(packages: readonly PackedPackage[]): Promise<string> {
  const specifiers = await Promise.all(
    packages.map(async (pkg) => {
      const { exports } = JSON.parse(await readFile(join(pkg.dir, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
      return Object.keys(exports)
        .filter((subpath) => exportedFiles(exports[subpath]).some((file) => file.endsWith('.js')))
        .map((subpath) => (subpath === '.' ? pkg.name : `${pkg.name}${subpath.slice(1)}`));
    }),
  );
  return specifiers
    .flat()
    .map((specifier) => `await import(${JSON.stringify(specifier)});`)
    .join('\n');
}

/**
 * Makes a Vite + React + TypeScript app in `dir` that installs the tarballs from the npm registry's
 * point of view (`npm install`, the rest of its dependencies from the registry), then type-checks
 * its browser code, its server code and its Playwright tests (strict, against the packages' .d.ts)
 * and builds it with Vite, whose config loads the BFF and the Vite plugin. Throws with the tool's
 * output on a failure.
 */
export async function buildFreshApp(packages: readonly PackedPackage[], dir: string): Promise<void> {
  await cp(fixtureApp, dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(appManifest(packages), null, 2)}\n`);
  await runOrThrow('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir);
  await runOrThrow('node', ['--input-type=module', '--eval', await importEveryEntryPoint(packages)], dir);
  await runOrThrow('node', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.app.json'], dir);
  await runOrThrow('node', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.node.json'], dir);
  await runOrThrow('node', ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.e2e.json'], dir);
  await runOrThrow('node', ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], dir);
}
