import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, ORDERS_API } from '@cloakroom/idp';
import { freePort } from '@cloakroom/test-harness/loopback';
import { beforeAll } from 'vitest';
import { describeBffSuite, type BffSuiteOptions, type MoreTests } from './bff-suite.js';
import { bundle } from './bundle.js';
import { BUN, DENO, DENO_ALLOW_NET, WORKERD_TARGET } from './runtimes.js';
import { childEnv, serveOnWorkerd, spawnServer, type LogSink, type ServedBff } from './served-bff.js';
import { COOKIE_SECRET, hostLog, startStopping, startUpstreams, type BffStack } from './stack.js';

/** How a host example (`examples/<host>`) is run for its smoke test. */
export interface ExampleHost {
  /** The host's name, e.g. `Bun`. */
  readonly label: string;
  /** Builds the example, once, before it starts (e.g. `next build`). */
  prepare?(): Promise<void>;
  /** Starts the example with `env` added to its environment (`PORT` among them); resolves once it listens. */
  start(env: Readonly<Record<string, string>>, log: LogSink): Promise<ServedBff>;
}

/** How long {@link ExampleHost.prepare} may take: a production build on two cores. */
const PREPARE_TIMEOUT_MS = 150_000;

/**
 * The environment variables of `examples/config` for a BFF at `origin` that uses `idp` and `api`.
 */
function exampleEnv(origin: string, { idp, api }: Pick<BffStack, 'idp' | 'api'>): Record<string, string> {
  return {
    PORT: new URL(origin).port,
    BASE_URL: origin,
    IDP_ISSUER: idp.issuer,
    CLIENT_ID: DEMO_CLIENT_ID,
    CLIENT_SECRET: DEMO_CLIENT_SECRET,
    COOKIE_SECRET,
    API_URL: api.url,
    API_RESOURCE: ORDERS_API,
  };
}

/**
 * The dev IdP and the orders API on Node, in this process, and the example on its host, configured
 * through its environment variables on a port picked beforehand (the IdP must know the origin).
 */
export function startExampleStack(host: ExampleHost, options: { accessTokenTtl: number }): Promise<BffStack> {
  return startStopping(async (onStop) => {
    const origin = `http://localhost:${await freePort()}`;
    const upstreams = await startUpstreams(origin, options, onStop);
    const served = await host.start(exampleEnv(origin, upstreams), hostLog(host.label));
    onStop(() => served.stop());
    return { origin, ...upstreams };
  });
}

/**
 * The smoke test of a host example: the suite every BFF host passes (sign-in, session, proxied GET
 * and POST, logout), with the example on `host`.
 */
export function describeExample(host: ExampleHost, options?: BffSuiteOptions, more?: MoreTests<BffStack>): void {
  if (host.prepare) beforeAll(() => host.prepare!(), PREPARE_TIMEOUT_MS);
  describeBffSuite(`the ${host.label} example`, host.label, (stackOptions) => startExampleStack(host, stackOptions), options, more);
}

/**
 * An example's TypeScript entry run in place by `command` with `args`, as `pnpm start` runs it in
 * the example, with the workspace packages' `source` condition: they load from their TypeScript sources.
 */
function runInPlace(label: string, command: string, args: readonly string[], entry: string): ExampleHost {
  return { label, start: (env, log) => spawnServer(command, [...args, entry], { log, env, cwd: dirname(entry) }) };
}

/** Node (the Node that runs the tests), with tsx loading the TypeScript; `label` names what the entry serves with. */
export const onNode = (entry: string, label = 'Node') =>
  runInPlace(label, process.execPath, ['--conditions=source', '--import', 'tsx'], entry);

export const onBun = (entry: string) => runInPlace('Bun', BUN.path, ['--conditions=source'], entry);

/** Deno, with the permissions a BFF needs; its "sloppy" imports map the workspace's `./x.js` to `./x.ts`. */
export const onDeno = (entry: string) =>
  runInPlace('Deno', DENO.path, ['run', '--sloppy-imports', '--conditions=source', DENO_ALLOW_NET, '--allow-env'], entry);

/**
 * Cloudflare Workers: the entry bundled as Wrangler bundles it, run on workerd through Miniflare
 * with the example's environment as the Worker's `env`, and the compatibility date of the example's
 * `wrangler.toml`.
 */
export function onWorkerd(entry: string, wranglerToml: string): ExampleHost {
  return {
    label: 'Cloudflare Workers',
    start: async (env, log) => {
      const compatibilityDate = /^compatibility_date\s*=\s*"([\d-]+)"/m.exec(await readFile(wranglerToml, 'utf8'))?.[1];
      if (!compatibilityDate) throw new Error(`${wranglerToml} has no compatibility_date`);
      return serveOnWorkerd(await bundle(entry, WORKERD_TARGET), compatibilityDate, { log, bindings: env, port: Number(env.PORT) });
    },
  };
}

/**
 * Next.js: `next build` once (Turbopack), then `next start`, as in production. Telemetry is off: the
 * tests reach nothing beyond loopback.
 */
export function onNext(projectDir: string): ExampleHost {
  const next = createRequire(join(projectDir, 'package.json')).resolve('next/dist/bin/next');
  const nextEnv = { NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' };
  return {
    label: 'Next.js',
    prepare: async () => {
      await promisify(execFile)(process.execPath, [next, 'build'], { cwd: projectDir, env: childEnv(nextEnv) }).catch((error: unknown) => {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        throw new Error(`next build failed:\n${stdout}${stderr}`, { cause: error });
      });
    },
    start: (env, log) =>
      spawnServer(process.execPath, [next, 'start', '--hostname', '127.0.0.1', '--port', env.PORT!], {
        log,
        cwd: projectDir,
        env: { ...env, ...nextEnv },
        // "✓ Ready in 300ms", after the lines that show the URL.
        listening: (line) => (/\bReady in\b/.test(line) ? Number(env.PORT) : undefined),
      }),
  };
}
