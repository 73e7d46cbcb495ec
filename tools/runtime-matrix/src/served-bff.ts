import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import { parseListeningLine } from './child-protocol.js';

/** A BFF child listening on loopback, not configured yet. */
export interface ServedBff {
  /** Where it listens, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Stops it (idempotent); a child that does not end on SIGTERM is killed. */
  stop(): Promise<void>;
}

/** Every line the child writes, stdout and stderr, for the run-wide log scan. */
export type LogSink = (line: string) => void;

const STARTUP_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 2_000;

/** Children still running, killed when the test process exits whatever happened to the tests. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** The test's environment with `env` added, less NODE_OPTIONS: the test runner's options are not the child's. */
export function childEnv(env: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  return { ...inherited, ...env };
}

/** How {@link spawnServer} runs a command. */
export interface SpawnOptions {
  log: LogSink;
  /** Variables added to the test's environment (see {@link childEnv}). */
  env?: Readonly<Record<string, string>>;
  /** The child's working directory; the test's by default. */
  cwd?: string;
  /** The port a line says the child listens on, `undefined` for other lines; `parseListeningLine` by default. */
  listening?: (line: string) => number | undefined;
}

/**
 * Runs `command` with `args` until it prints the line that says it listens; what else it prints goes
 * to `log`.
 */
export async function spawnServer(
  command: string,
  args: readonly string[],
  { log, env, cwd, listening = parseListeningLine }: SpawnOptions,
): Promise<ServedBff> {
  const child = spawn(command, args, { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      running.delete(child);
    })();
    return stopping;
  };

  const recent: string[] = [];
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" line within ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS);
      child.once('error', reject);
      void exited.then(() => reject(new Error(`exited with ${child.exitCode ?? child.signalCode} before it listened`)));
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => {
          const listeningPort = listening(line);
          if (listeningPort !== undefined) {
            clearTimeout(timer);
            resolve(listeningPort);
            return;
          }
          log(line);
          recent.push(line);
          if (recent.length > 20) recent.shift();
        });
      }
    });
    return { url: `http://127.0.0.1:${port}`, stop };
  } catch (error) {
    await stop();
    const output = recent.length ? `; its last lines:\n${recent.join('\n')}` : '';
    throw new Error(`${command} ${args.join(' ')}: ${(error as Error).message}${output}`, { cause: error });
  }
}

/**
 * Writes `code` (a bundled ES module) to a temporary file and runs `command` with `args` and that
 * file's path, in the file's directory, until it prints the line that says it listens.
 */
export async function spawnBff(command: string, args: readonly string[], code: string, log: LogSink): Promise<ServedBff> {
  const directory = await mkdtemp(join(tmpdir(), 'cloakroom-runtime-'));
  const file = join(directory, 'bff.mjs');
  const removeDirectory = () => rm(directory, { recursive: true, force: true });
  await writeFile(file, code);
  const served = await spawnServer(command, [...args, file], { log, cwd: directory }).catch(async (error: unknown) => {
    await removeDirectory();
    throw error;
  });
  let stopping: Promise<void> | undefined;
  return { url: served.url, stop: () => (stopping ??= served.stop().then(removeDirectory)) };
}

/** Where and with what {@link serveOnWorkerd} runs a Worker. */
export interface WorkerdOptions {
  log: LogSink;
  /** The Worker's `env`: plain-text variables, as `[vars]` and secrets are in production. */
  bindings?: Readonly<Record<string, string>>;
  /** A loopback port; 0 (the default) picks a free one. */
  port?: number;
}

/**
 * Serves `code` (a Workers module) on workerd through Miniflare, which runs workerd as a child,
 * with the Workers behaviour of `compatibilityDate` (`YYYY-MM-DD`).
 */
export async function serveOnWorkerd(
  code: string,
  compatibilityDate: string,
  { log, bindings = {}, port = 0 }: WorkerdOptions,
): Promise<ServedBff> {
  const forward = (stream: Readable) => createInterface({ input: stream }).on('line', log);
  const miniflare = new Miniflare({
    modules: true,
    script: code,
    compatibilityDate,
    bindings,
    host: '127.0.0.1',
    port,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      forward(stdout);
      forward(stderr);
    },
  });
  let url: URL;
  try {
    url = await miniflare.ready;
  } catch (error) {
    await miniflare.dispose();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return { url: url.origin, stop: () => (stopping ??= miniflare.dispose()) };
}
