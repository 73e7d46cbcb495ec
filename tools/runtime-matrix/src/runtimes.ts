import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

const require = createRequire(import.meta.url);

function packageVersion(directory: string): string {
  return (JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { version: string }).version;
}

const escaped = (text: string) => text.replaceAll('.', '\\.');

/**
 * A runtime whose npm package carries its binary, at `binary` in the package. The binary runs
 * directly, not through the `node_modules/.bin` shim, a shell that waits for it and would outlive a kill.
 */
function packagedRuntime(name: string, pkg: string, binary: string, args: readonly string[], target: BundleTarget): Runtime {
  const directory = dirname(require.resolve(`${pkg}/package.json`));
  const version = packageVersion(directory);
  return {
    label: `${name} ${version}`,
    identity: new RegExp(`^${target.entry} v?${escaped(version)}$`),
    serve: async (log) => spawnBff(join(directory, binary), args, await bundle(target), log),
  };
}

const NODE: BundleTarget = { entry: 'node', conditions: ['node'], platform: 'node' };

/** Node 20 (the Node that runs the tests), Node 24, Bun, Deno and workerd, each from its npm package. */
export const RUNTIMES: readonly Runtime[] = [
  {
    label: `Node ${process.versions.node}`,
    identity: new RegExp(`^node ${escaped(process.version)}$`),
    serve: async (log) => spawnBff(process.execPath, [], await bundle(NODE), log),
  },
  packagedRuntime('Node', 'node', 'bin/node', [], NODE),
  packagedRuntime('Bun', 'bun', 'bin/bun.exe', [], { entry: 'bun', conditions: ['bun'], platform: 'neutral' }),
  // Network access to loopback only: the IdP, the API and its own port.
  packagedRuntime('Deno', 'deno', 'deno', ['run', '--allow-net=127.0.0.1,localhost'], {
    entry: 'deno',
    conditions: ['deno'],
    platform: 'neutral',
  }),
  workerd(),
];

/** The workerd Miniflare depends on and starts, with the newest Workers behaviour it has. */
function workerd(): Runtime {
  const version = packageVersion(dirname(createRequire(require.resolve('miniflare')).resolve('workerd/package.json')));
  // Versions are `1.YYYYMMDD.n`: a workerd supports compatibility dates up to its own.
  const compatibilityDate = version.split('.')[1]!.replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3');
  return {
    label: `workerd ${version}`,
    identity: /^Cloudflare-Workers$/,
    serve: async (log) =>
      serveOnWorkerd(
        await bundle({ entry: 'workerd', conditions: ['workerd', 'worker', 'browser'], platform: 'neutral' }),
        compatibilityDate,
        log,
      ),
  };
}
