import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { PackedPackage } from './tarball.js';
import { readManifest } from './workspace.js';

/** A source map, as far as these checks read it. */
interface SourceMap {
  sources: string[];
  sourcesContent?: (string | null)[];
}

/** Every file of an unpacked package, relative to its directory. */
async function filesOf(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

/** Whether an exports map (or any condition in it) still has the workspace's `source` condition. */
function hasSourceCondition(exports: unknown): boolean {
  if (typeof exports !== 'object' || exports === null) return false;
  return Object.entries(exports).some(([key, value]) => key === 'source' || hasSourceCondition(value));
}

/** What the published package.json lacks or should not have. */
function manifestProblems(pkg: PackedPackage, publishedNames: ReadonlySet<string>): string[] {
  const manifest = readManifest(pkg.dir);
  const problems: string[] = [];
  if (hasSourceCondition(manifest.exports)) problems.push('exports has the `source` condition, whose src/*.ts is for the workspace');
  if (manifest.devDependencies !== undefined) problems.push('package.json has devDependencies');
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, spec] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
      if (spec.startsWith('workspace:')) problems.push(`${field}.${name} is ${spec}`);
      if (name.startsWith('@cloakroom/') && !publishedNames.has(name)) problems.push(`${field}.${name} is not a published package`);
    }
  }
  const repository = manifest.repository as { url?: string; directory?: string } | undefined;
  const bugs = manifest.bugs as { url?: string } | undefined;
  if (manifest.license !== 'MIT') problems.push('license is not MIT');
  if (repository?.url === undefined || repository.directory === undefined) problems.push('repository has no url or no directory');
  if (typeof manifest.homepage !== 'string') problems.push('no homepage');
  if (bugs?.url === undefined) problems.push('no bugs url');
  if (!Array.isArray(manifest.keywords) || manifest.keywords.length === 0) problems.push('no keywords');
  return problems;
}

/** Links in the README that lead nowhere once the README is out of the repository: relative ones. */
async function readmeProblems(dir: string): Promise<string[]> {
  // Code blocks left out: `handlers[name](request)` is no link.
  const readme = (await readFile(join(dir, 'README.md'), 'utf8')).replace(/^```[\s\S]*?^```/gm, '');
  const targets = [...readme.matchAll(/\]\(([^)\s]+)[^)]*\)|^\[[^\]]+\]:\s*(\S+)/gm)].map((match) => match[1] ?? match[2] ?? '');
  return targets.filter((target) => !/^(https:\/\/|#)/.test(target)).map((target) => `README.md links to ${target}, which is not absolute`);
}

/** Maps that are missing, that lack their sources' content, or whose sources are not in the package. */
async function sourceMapProblems(dir: string, files: readonly string[]): Promise<string[]> {
  const fileSet = new Set(files);
  const problems: string[] = [];
  for (const file of files.filter((name) => /\.(js|d\.ts)$/.test(name))) {
    const mapFile = `${file}.map`;
    if (!fileSet.has(mapFile)) {
      problems.push(`${file} has no ${mapFile}`);
      continue;
    }
    const map = JSON.parse(await readFile(join(dir, mapFile), 'utf8')) as SourceMap;
    const isDeclarationMap = file.endsWith('.d.ts');
    if (!isDeclarationMap && (map.sourcesContent?.length !== map.sources.length || map.sourcesContent.includes(null))) {
      problems.push(`${mapFile} has no sourcesContent`);
    }
    for (const source of map.sources) {
      const path = resolve(dirname(join(dir, mapFile)), source);
      if (!existsSync(path) || relative(dir, path).startsWith('..'))
        problems.push(`${mapFile} points at ${source}, which is not in the package`);
    }
  }
  return problems;
}

/**
 * What is wrong with a packed package beyond what publint and attw check: the published manifest
 * (no `source` condition, no devDependencies, no workspace or private dependencies, the metadata a
 * registry shows), the LICENSE, README links that work outside the repository, source and
 * declaration maps that carry or reach their TypeScript, and no test files.
 */
export async function contentProblems(pkg: PackedPackage, publishedNames: ReadonlySet<string>, license: string): Promise<string[]> {
  const files = await filesOf(pkg.dir);
  const licenseProblems = !files.includes('LICENSE')
    ? ['no LICENSE']
    : (await readFile(join(pkg.dir, 'LICENSE'), 'utf8')) === license
      ? []
      : ['LICENSE differs from the repository LICENSE'];
  const testFiles = files.filter((file) => /\.test\.[cm]?[jt]sx?$/.test(file)).map((file) => `${file} is a test`);
  return [
    ...manifestProblems(pkg, publishedNames),
    ...licenseProblems,
    ...(await readmeProblems(pkg.dir)),
    ...(await sourceMapProblems(pkg.dir, files)),
    ...testFiles,
  ];
}
