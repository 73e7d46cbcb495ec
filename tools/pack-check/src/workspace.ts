import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The parts of a package.json these checks read. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: unknown;
  packageManager?: string;
  [field: string]: unknown;
}

/** A package of `packages/*` that is published to the registry. */
export interface PublishablePackage {
  name: string;
  version: string;
  dir: string;
  manifest: Manifest;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Every package under `packages/` that is not private. */
export function publishablePackages(): PublishablePackage[] {
  const packagesDir = join(repoRoot, 'packages');
  return readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(packagesDir, entry.name, 'package.json')))
    .map((entry) => {
      const dir = join(packagesDir, entry.name);
      const manifest = readManifest(dir);
      return { name: manifest.name, version: manifest.version, dir, manifest };
    })
    .filter((pkg) => pkg.manifest.private !== true)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The files an exports map points at, under every condition but `source` (the workspace's own). */
export function exportedFiles(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (typeof exports !== 'object' || exports === null) return [];
  return Object.entries(exports).flatMap(([key, value]) => (key === 'source' ? [] : exportedFiles(value)));
}

/**
 * Fails unless every package's built files are there: these checks test what `pnpm build` made
 * (`pnpm test` builds before it runs Vitest), never the TypeScript sources the workspace resolves to.
 */
export function assertBuilt(packages: readonly PublishablePackage[]): void {
  const missing = packages.flatMap((pkg) =>
    exportedFiles(pkg.manifest.exports)
      .filter((file) => !existsSync(join(pkg.dir, file)))
      .map((file) => `${pkg.name}: ${file}`),
  );
  if (missing.length > 0) {
    throw new Error(`The packages are not built (missing ${missing.join(', ')}): run \`pnpm build\` first.`);
  }
}

/** The command that runs the workspace's own pnpm (`packageManager` in the root package.json). */
export function pnpmCommand(): [string, string[]] {
  const packageManager = readManifest(repoRoot).packageManager;
  if (packageManager?.startsWith('pnpm@') !== true) throw new Error('the root package.json names no pnpm in packageManager');
  return ['npx', ['--yes', packageManager]];
}
