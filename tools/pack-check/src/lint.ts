import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { run } from './run.js';
import type { PackedPackage } from './tarball.js';

/** What `publint --strict` says of a tarball: every message, suggestions included. */
export async function publintMessages(pkg: PackedPackage): Promise<string[]> {
  const tarball = await readFile(pkg.tarball);
  const buffer = tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength);
  const result = await publint({ pack: { tarball: buffer }, strict: true, level: 'suggestion' });
  return result.messages.map((message) => `${message.type}: ${formatMessage(message, result.pkg, { color: false }) ?? message.code}`);
}

const attw = fileURLToPath(new URL('../node_modules/.bin/attw', import.meta.url));

/**
 * What `attw --profile esm-only` says of a tarball when it finds a problem (the ESM resolutions of
 * node16 and bundlers; no CommonJS, which these packages do not ship); `undefined` when it finds none.
 */
export async function attwProblems(pkg: PackedPackage): Promise<string | undefined> {
  const result = await run(attw, [pkg.tarball, '--profile', 'esm-only', '--no-definitely-typed', '--no-color'], pkg.dir);
  return result.exitCode === 0 ? undefined : `${result.stdout}${result.stderr}`;
}
