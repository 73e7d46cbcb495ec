import { execFile } from 'node:child_process';

/** What a finished command left. */
export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** What a user's own npm setup may say through the environment: the registry, the cache, TLS, proxies. */
const userNpmSettings = /^npm_config_(registry|cache|cafile|userconfig|strict_ssl|https?_proxy|proxy|noproxy)$/i;

/**
 * The environment of a user's shell rather than of this test run: no `NODE_OPTIONS` (the workspace
 * sets `--conditions=source`), no `NODE_ENV=test` or Vitest flags, and none of the `npm_*` variables
 * of the pnpm script that started the run (`npm_config_local_prefix` alone would make npm install
 * into the repository).
 */
function userEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => userNpmSettings.test(key) || !/^(NODE_OPTIONS|NODE_ENV|VITEST.*|npm_.*|pnpm_.*)$/i.test(key),
    ),
  );
}

/** Runs a command to its end, whatever its exit code. */
export function run(command: string, args: readonly string[], cwd: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: userEnvironment(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an ExecFileException is an Error
      if (error !== null && typeof error.code !== 'number') return reject(error); // did not start, or was killed
      resolve({ exitCode: error === null ? 0 : Number(error.code), stdout, stderr });
    });
  });
}

/** Runs a command and fails, with everything it printed, unless it exits 0; its stdout otherwise. */
export async function runOrThrow(command: string, args: readonly string[], cwd: string): Promise<string> {
  const { exitCode, stdout, stderr } = await run(command, args, cwd);
  if (exitCode !== 0) throw new Error(`\`${[command, ...args].join(' ')}\` in ${cwd} exited ${exitCode}:\n${stdout}${stderr}`);
  return stdout;
}
