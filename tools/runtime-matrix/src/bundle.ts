import { build } from 'esbuild';

/** How one runtime resolves packages: its export condition and whether Node's built-ins exist there. */
export interface BundleTarget {
  /**
   * Export conditions after `source`, as the runtime (or its deploy tool) resolves them: `node`;
   * `bun`; `deno`; `workerd`, `worker`, `browser` (Wrangler's list).
   */
  conditions: readonly string[];
  /**
   * `node` lets `node:*` imports through (only the Node entry has one, `@hono/node-server`);
   * `neutral` refuses them, so the bundle for Bun, Deno and workerd proves the BFF needs none.
   */
  platform: 'node' | 'neutral';
}

/**
 * Bundles an entry point (a file path) with the workspace's TypeScript sources and the npm packages
 * they use into one ES module, the code as a string.
 *
 * Why bundle instead of letting each runtime load `src/*.ts`: the workspace packages resolve to
 * TypeScript through the `source` condition, with `./x.js` specifiers for `./x.ts` files. Node 20
 * runs no TypeScript, Node 24 strips types but maps no `.js` to `.ts`, Deno maps them only in its
 * "sloppy" mode, and workerd loads no npm package at all. One esbuild bundle per runtime, resolved
 * with that runtime's conditions, loads the same code everywhere the same way, the way a user's
 * bundler (Wrangler for Workers) would ship it.
 */
export async function bundle(entryPoint: string, { conditions, platform }: BundleTarget): Promise<string> {
  const result = await build({
    entryPoints: [entryPoint],
    bundle: true,
    write: false,
    format: 'esm',
    platform,
    conditions: ['source', ...conditions],
    // `neutral` reads no `main` field by default; npm packages without `exports` still need one.
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild wrote nothing for ${entryPoint}`);
  return output.text;
}
