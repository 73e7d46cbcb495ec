// SDK size: bundles each SDK's whole public API the way an app's bundler would (esbuild, minified,
// React and react-dom left out as the app's own), gzips it (level 9) and prints both with their ratio.
// Usage: pnpm --filter @cloakroom/bench-sdk-size bench
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';

/** The budget: @cloakroom/client + @cloakroom/react at most 3.5 KB min+gzip (see packages/react/test/size.test.ts). */
const BUDGET_BYTES = 3.5 * 1024;

const contenders = [
  { name: '@cloakroom/client + @cloakroom/react', packages: ['@cloakroom/client', '@cloakroom/react'] },
  { name: 'react-oidc-context + oidc-client-ts', packages: ['react-oidc-context', 'oidc-client-ts'] },
];

/**
 * Bundles `export * from` each package into one minified ES module.
 * @param {string[]} packages
 * @returns {Promise<{ minified: number, gzipped: number }>}
 */
async function measure(packages) {
  const result = await build({
    stdin: { contents: packages.map((name) => `export * from '${name}';`).join('\n'), resolveDir: import.meta.dirname },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // The workspace packages from their TypeScript sources, so that no build is needed first.
    conditions: ['source'],
    external: ['react', 'react-dom'],
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

/** @param {number} bytes */
const formatBytes = (bytes) => `${bytes.toLocaleString('en')} B`.padStart(9);

const [ours, theirs] = await Promise.all(contenders.map(async (contender) => ({ ...contender, ...(await measure(contender.packages)) })));

console.log('SDK size: whole public API, minified (esbuild) + gzip (level 9), React excluded\n');
console.log(`${'SDK'.padEnd(40)}${'min'.padStart(9)}   ${'min+gzip'.padStart(9)}`);
for (const { name, minified, gzipped } of [ours, theirs]) {
  console.log(`${name.padEnd(40)}${formatBytes(minified)}   ${formatBytes(gzipped)}`);
}
console.log(`\nratio (min+gzip): ${ours.name} is ${(theirs.gzipped / ours.gzipped).toFixed(1)}× smaller`);
console.log(`           (${((ours.gzipped / theirs.gzipped) * 100).toFixed(1)}% of ${theirs.name})`);

const withinBudget = ours.gzipped <= BUDGET_BYTES;
console.log(`budget: ${ours.gzipped} B of ${BUDGET_BYTES} B ${withinBudget ? 'OK' : 'EXCEEDED'}`);
if (!withinBudget) process.exitCode = 1;
