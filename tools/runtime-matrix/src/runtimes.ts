import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundle, type BundleTarget } from './bundle.js';
import { serveOnWorkerd, spawnBff, type LogSink, type ServedBff } from './served-bff.js';

/** A runtime the BFF is served on. */
export interface Runtime {
  /** Name and version, e.g. `Bun 1.4.5`. */
  readonly label: string;
  /** What the runtime says it is once it serves the BFF (see `configurableBff`). */
  readonly identity: RegExp;
  /** Bundles the BFF for this runtime and serves it, not configured yet. */
  serve(log: LogSink): Promise<ServedBff>;
}

/** A runtime's binary, straight from its npm package. */
export interface PackagedBinary {
  readonly path: string;
  /** The package's version, which is the runtime's. */
  readonly version: string;
}

const require = createRequire(import.meta.url);

function packageVersion(directory: string): string {
  return (JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The binary at `binary` in npm package `pkg`. It runs directly, not through the `node_modules/.bin`
 * shim, a shell that waits for it and would outlive a kill.
 */
function packagedBinary(pkg: string, binary: string): PackagedBinary {
  const directory = dirname(require.resolve(`${pkg}/package.json`));
  return { path: join(directory, binary), version: packageVersion(directory) };
}

const NODE_24 = packagedBinary('node', 'bin/node');
export const BUN = packagedBinary('bun', 'bin/bun.exe');
export const DENO = packagedBinary('deno', 'deno');
/** Deno's network permission for a BFF: loopback only (the IdP, the API and its own port). */
export const DENO_ALLOW_NET = '--allow-net=127.0.0.1,localhost';

/** The workerd Miniflare depends on and starts, with the newest Workers behaviour it has. */
export const WORKERD = (() => {
  const version = packageVersion(dirname(createRequire(require.resolve('miniflare')).resolve('workerd/package.json')));
  // Versions are `1.YYYYMMDD.n`: a workerd supports compatibility dates up to its own.
  const compatibilityDate = version.split('.')[1]!.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');
  return { version, compatibilityDate };
})();

const NODE_TARGET: BundleTarget = { conditions: ['node'], platform: 'node' };
/** As Wrangler bundles a Worker. */
export const WORKERD_TARGET: BundleTarget = { conditions: ['workerd', 'worker', 'browser'], platform: 'neutral' };

/** The runtime matrix's entries, `src/entries/<name>.ts`. */
type EntryName = 'node' | 'bun' | 'deno' | 'workerd';
const entry = (name: EntryName) => fileURLToPath(new URL(`./entries/${name}.ts`, import.meta.url));

const escaped = (text: string) => text.replaceAll('.', '\\.');

/** A runtime whose npm package carries its binary. */
function packagedRuntime(
  name: string,
  binary: PackagedBinary,
  args: readonly string[],
  entryName: EntryName,
  target: BundleTarget,
): Runtime {
  return {
    label: `${name} ${binary.version}`,
    identity: new RegExp(`^${entryName} v?${escaped(binary.version)}$`),
    serve: async (log) => spawnBff(binary.path, args, await bundle(entry(entryName), target), log),
  };
}

/** Node 20 (the Node that runs the tests), Node 24, Bun, Deno and workerd, each from its npm package. */
export const RUNTIMES: readonly Runtime[] = [
  {
    label: `Node ${process.versions.node}`,
    identity: new RegExp(`^node ${escaped(process.version)}$`),
    serve: async (log) => spawnBff(process.execPath, [], await bundle(entry('node'), NODE_TARGET), log),
  },
  packagedRuntime('Node', NODE_24, [], 'node', NODE_TARGET),
  packagedRuntime('Bun', BUN, [], 'bun', { conditions: ['bun'], platform: 'neutral' }),
  packagedRuntime('Deno', DENO, ['run', DENO_ALLOW_NET], 'deno', { conditions: ['deno'], platform: 'neutral' }),
  {
    label: `workerd ${WORKERD.version}`,
    identity: /^Cloudflare-Workers$/,
    serve: async (log) => serveOnWorkerd(await bundle(entry('workerd'), WORKERD_TARGET), WORKERD.compatibilityDate, { log }),
  },
];
