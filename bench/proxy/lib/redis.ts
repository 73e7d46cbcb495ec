/**
 * A `redis-server` of the benchmark's own on a free loopback port, in a temporary directory,
 * persisting nothing; `stop()` shuts it down and removes the directory.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, onCore, which } from './system.js';

export interface BenchRedis {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** One command over a fresh connection; the whole raw reply as text. */
  command(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export const REDIS_HINT = 'redis-server not found: install it (Debian/Ubuntu: apt-get install -y redis-server).';

export async function startRedis(core = 0): Promise<BenchRedis> {
  if (!which('redis-server')) throw new Error(REDIS_HINT);
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-bench-redis-'));
  const [command, args] = onCore(core, 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ]);
  const child = spawn(command, args, { stdio: 'ignore' });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const run = (commandArgs: string[]) => send(port, commandArgs);
  const deadline = Date.now() + 10_000;
  while ((await run(['PING']).catch(() => '')) !== '+PONG\r\n') {
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    command: run,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        await run(['SHUTDOWN', 'NOSAVE']).catch(() => undefined);
        const timer = setTimeout(kill, 5_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener('exit', kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Raw RESP: sends one command, resolves with the reply once a full one has arrived (or the socket closes). */
function send(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('timed out')));
    socket.on('connect', () =>
      socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`),
    );
    socket.on('data', (chunk) => {
      received += chunk.toString();
      if (complete(received)) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

/** Whether `reply` holds one complete simple or bulk reply (all this harness reads). */
function complete(reply: string): boolean {
  const end = reply.indexOf('\r\n');
  if (end === -1) return false;
  if (reply[0] !== '$') return true;
  const length = Number(reply.slice(1, end));
  return length < 0 || reply.length >= end + 2 + length + 2;
}

/** `used_memory` from `INFO memory`. */
export async function usedMemory(redis: BenchRedis): Promise<number> {
  const info = await redis.command(['INFO', 'memory']);
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}
