// A size budget, not a timing test: @cloakroom/client + @cloakroom/react, minified and gzipped with
// React left out, must stay within 3.5 KB. bench/sdk-size prints the same number beside react-oidc-context's.
// (3 KB until the SDK learned sign-in errors from the URL, a guard against signing back in during
// sign-out, logout({ returnTo }) and a typed <SignedIn>: about 230 B.)
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';

const BUDGET_BYTES = 3.5 * 1024;

it('@cloakroom/client + @cloakroom/react stay within 3.5 KB min+gzip', async () => {
  const result = await build({
    // The react package's entry re-exports the whole runtime API of the client as well.
    entryPoints: [join(dirname(fileURLToPath(import.meta.url)), '../src/index.ts')],
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    external: ['react', 'react-dom'],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  const gzipped = gzipSync(code, { level: 9 }).length;
  // Guards the measurement itself: a bundle that lost the client would pass any budget.
  expect(new TextDecoder().decode(code)).toContain('cloakroom:');
  expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
});
