/**
 * The publishable packages as a user gets them, from the tarballs `pnpm pack` makes of the built
 * packages (`pnpm test` builds before it runs Vitest): their contents, publint --strict,
 * attw --profile esm-only, and a fresh Vite + React app that installs them, type-checks and builds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFreshApp } from '../src/fresh-app.js';
import { attwProblems, publintMessages } from '../src/lint.js';
import { contentProblems } from '../src/package-contents.js';
import { packAll, type PackedPackage } from '../src/tarball.js';
import { assertBuilt, publishablePackages, repoRoot } from '../src/workspace.js';

const packages = publishablePackages();
const publishedNames = new Set(packages.map((pkg) => pkg.name));
const license = readFileSync(join(repoRoot, 'LICENSE'), 'utf8');

let workDir: string;
let packed: Map<string, PackedPackage>;

function packedPackage(name: string): PackedPackage {
  const pkg = packed.get(name);
  if (pkg === undefined) throw new Error(`${name} was not packed`);
  return pkg;
}

beforeAll(async () => {
  assertBuilt(packages);
  workDir = await mkdtemp(join(tmpdir(), 'cloakroom-pack-check-'));
  packed = new Map((await packAll(packages, workDir)).map((pkg) => [pkg.name, pkg]));
}, 60_000);

afterAll(async () => {
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

it('finds the publishable packages', () => {
  expect(packages.map((pkg) => pkg.name)).toEqual(expect.arrayContaining(['@cloakroom/bff', '@cloakroom/client', '@cloakroom/react']));
});

describe.each(packages.map((pkg) => pkg.name))('the tarball of %s', (name) => {
  it('has the metadata, LICENSE, README links, maps and manifest a published package needs', async () => {
    expect(await contentProblems(packedPackage(name), publishedNames, license)).toEqual([]);
  });

  it('passes publint --strict without a message', async () => {
    expect(await publintMessages(packedPackage(name))).toEqual([]);
  });

  it('passes attw --profile esm-only', async () => {
    expect(await attwProblems(packedPackage(name))).toBeUndefined();
  }, 30_000);
});

it('installs into a fresh Vite + React app that loads every entry point, type-checks and builds', async () => {
  const appDir = join(workDir, 'app');
  await mkdir(appDir);
  await buildFreshApp([...packed.values()], appDir);
  expect(existsSync(join(appDir, 'dist/index.html'))).toBe(true);
}, 180_000);
