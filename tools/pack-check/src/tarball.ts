import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runOrThrow } from './run.js';
import { pnpmCommand, repoRoot, type PublishablePackage } from './workspace.js';

/** A package as `pnpm pack` made it: the tarball, and the directory it was unpacked into. */
export interface PackedPackage {
  name: string;
  tarball: string;
  /** The unpacked tarball's `package/` directory. */
  dir: string;
}

/**
 * Packs the packages with the workspace's pnpm, which is what `pnpm publish` (and so
 * `changeset publish`) uploads, then unpacks each tarball under `destination`.
 */
export async function packAll(packages: readonly PublishablePackage[], destination: string): Promise<PackedPackage[]> {
  const [pnpm, pnpmArgs] = pnpmCommand();
  const filters = packages.flatMap((pkg) => ['--filter', pkg.name]);
  const args = [...pnpmArgs, '-r', ...filters, 'pack', '--pack-destination', join(destination, 'tarballs'), '--json'];
  const packed = JSON.parse(await runOrThrow(pnpm, args, repoRoot)) as { name: string; filename: string }[];
  return Promise.all(
    packages.map(async (pkg) => {
      const tarball = packed.find((entry) => entry.name === pkg.name)?.filename;
      if (tarball === undefined) throw new Error(`pnpm pack made no tarball for ${pkg.name}`);
      const dir = join(destination, 'unpacked', pkg.name);
      await mkdir(dir, { recursive: true });
      await runOrThrow('tar', ['-xzf', tarball, '-C', dir], repoRoot);
      return { name: pkg.name, tarball, dir: join(dir, 'package') };
    }),
  );
}
