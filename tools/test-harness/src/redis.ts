/**
 * A real `redis-server` for the tests that need one (Redis session stores, shared replay caches):
 * `@cloakroom/test-harness/redis`.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './loopback.js';

/** A `redis-server` of the tests' own, on a loopback port. */
export interface RedisServer {
  /** `redis://127.0.0.1:{port}`. */
  readonly url: string;
  readonly port: number;
  /**
   * Stops the server, saving its data first (kept in memory), so that a later
   * {@link RedisServer.restart} brings the same data back. Does nothing if already stopped.
   */
  stop(): Promise<void>;
  /** Stops the server if it runs, then starts it again on the same port, with the saved data. */
  restart(): Promise<void>;
  /** The running server's process id (a benchmark measures its CPU); `undefined` while stopped. */
  readonly pid: number | undefined;
  /** One command over a fresh connection; the whole raw RESP reply (`''` if the server closed first). */
  command(args: string[]): Promise<string>;
}

/** How to start it. */
export interface StartRedisOptions {
  /** Rewrites the command line, e.g. to pin the server to a core with `taskset` (a benchmark). */
  wrap?: (command: string, args: string[]) => [command: string, args: string[]];
}

const INSTALL_HINT =
  'The Redis tests run against a real Redis and need redis-server on the PATH: ' +
  'install it with `apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS).';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const RDB_FILE = 'dump.rdb';

/**
 * Starts a `redis-server` on a free loopback port and waits until it answers `PING`. It persists
 * nothing while it runs; on stop it saves its data, kept in memory for a restart, so that no
 * temporary file outlives a running server. Fails, never skips, when `redis-server` is missing.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  let running: { child: ChildProcess; dir: string } | undefined;
  let savedData: Buffer | undefined;
  // Whatever happens to the test (failure, forgotten stop), the server does not outlive it.
  const killOnExit = () => {
    running?.child.kill('SIGKILL');
    if (running) rmSync(running.dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  let port = 0;
  // A free port can be taken between finding it and binding it: try a few.
  for (let attempt = 1; running === undefined; attempt++) {
    port = await freePort();
    try {
      running = await launch(port, undefined, options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof PortInUseError)) {
        process.removeListener('exit', killOnExit);
        throw error;
      }
    }
  }

  const stop = async () => {
    if (!running) return;
    const { child, dir } = running;
    running = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // SHUTDOWN SAVE writes the RDB file even though no save points are configured.
      await command(port, ['SHUTDOWN', 'SAVE']).catch(() => undefined);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    const rdb = join(dir, RDB_FILE);
    savedData = existsSync(rdb) ? readFileSync(rdb) : undefined;
    rmSync(dir, { recursive: true, force: true });
  };

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    get pid() {
      return running?.child.pid;
    },
    command: (args) => command(port, args),
    async restart() {
      await stop();
      running = await launch(port, savedData, options);
    },
  };
}

class PortInUseError extends Error {}

/**
 * Spawns redis-server in a new temporary directory (holding `data`, an RDB file, if given) and
 * resolves once it answers PING; rejects, leaving nothing behind, otherwise.
 */
async function launch(port: number, data: Buffer | undefined, { wrap }: StartRedisOptions): Promise<{ child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-redis-'));
  if (data) writeFileSync(join(dir, RDB_FILE), data);
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--dbfilename',
    RDB_FILE,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ];
  const [program, argv] = wrap ? wrap('redis-server', args) : ['redis-server', args];
  const child = spawn(program, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  let gone = false;
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      gone = true;
      reject(error.code === 'ENOENT' ? new Error(`redis-server not found. ${INSTALL_HINT}`, { cause: error }) : error);
    });
    child.once('exit', (code, signal) => {
      gone = true;
      const message = `redis-server exited during start-up (code ${code}, signal ${signal}):\n${output}`;
      reject(/Address already in use/i.test(output) ? new PortInUseError(message) : new Error(message));
    });
  });
  try {
    await Promise.race([failed, waitForPong(port, () => gone)]);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  failed.catch(() => undefined); // a later exit (our own stop) is not a start-up failure
  return { child, dir };
}

/** Polls PING until PONG; gives up quietly once the process is gone (its exit explains why). */
async function waitForPong(port: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const reply = await command(port, ['PING']).catch(() => '');
    if (reply === '+PONG\r\n' || gone()) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Sends one command over a fresh connection and resolves with the whole reply once it has arrived
 * (or '' if the server closes without one, as SHUTDOWN does). Raw RESP keeps the harness free of a
 * client; it reads simple, error, integer and bulk replies, which is all it sends commands for.
 */
function command(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('timed out')));
    socket.on('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`);
    });
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (isComplete(received)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

/** Whether `reply` holds one whole simple or bulk reply. */
function isComplete(reply: string): boolean {
  const end = reply.indexOf('\r\n');
  if (end === -1) return false;
  if (reply[0] !== '$') return true;
  const length = Number(reply.slice(1, end));
  return length < 0 || reply.length >= end + 2 + length + 2;
}
