/**
 * Processes, cores and CPU time for the benchmarks: `taskset` pinning, CPU
 * ticks of a process tree from /proc (so that Apache's worker processes count as well as Node's
 * single one), the machine's busy time, and child processes that answer over IPC.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

export const REDIS_HINT = 'redis-server not found: install it (Debian/Ubuntu: apt-get install -y redis-server).';

/** An executable on the PATH (or at an absolute path), or undefined. */
export function which(command: string): string | undefined {
  if (command.startsWith('/')) return existsSync(command) ? command : undefined;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${command}`)) return `${dir}/${command}`;
  }
  return undefined;
}

/**
 * Core layout: with `taskset` and at least two cores, servers run on core 1 and the load generator
 * (this process, the upstream behind the proxies, Redis and the IdP) on core 0.
 */
export const pinning = (() => {
  const taskset = which('taskset');
  const cores = cpus().length;
  const enabled = taskset !== undefined && cores >= 2 && process.env.BENCH_NO_PIN === undefined;
  return {
    enabled,
    cores,
    why: enabled
      ? 'servers pinned to core 1, load generator, upstream, Redis and IdP to core 0 (taskset)'
      : taskset === undefined
        ? 'NOT pinned: taskset not found (Debian: apt-get install util-linux)'
        : cores < 2
          ? 'NOT pinned: fewer than two cores'
          : 'NOT pinned: BENCH_NO_PIN is set',
  };
})();

/** `[command, args]` that runs `command args` on `core` when pinning is on. */
export function onCore(core: number, command: string, args: readonly string[]): [string, string[]] {
  return pinning.enabled ? ['taskset', ['-c', String(core), command, ...args]] : [command, [...args]];
}

/** Pins this process (all of its threads, and so the ones it starts later) to `core`. */
export function pinSelf(core: number): void {
  if (pinning.enabled) execFileSync('taskset', ['-a', '-cp', String(core), String(process.pid)], { stdio: 'ignore' });
}

export const TICK_US = 1e6 / Number(safeExec('getconf', ['CLK_TCK']) || 100);

function safeExec(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, plus waited-for children's cutime + cstime, in clock ticks. */
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const number = (index: number) => Number(fields[index - 3]);
    return { pid, ppid: number(4), ticks: number(14) + number(15) + number(16) + number(17) };
  } catch {
    return undefined;
  }
}

/** CPU time in µs of `root` and every process under it (Apache's workers, `taskset`'s exec'd child). */
export function treeCpuMicros(root: number): number {
  const stats = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is ProcStat => stat !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  let ticks = 0;
  const queue = stats.filter((stat) => stat.pid === root);
  while (queue.length) {
    const stat = queue.pop()!;
    ticks += stat.ticks;
    queue.push(...(children.get(stat.pid) ?? []));
  }
  return ticks * TICK_US;
}

/** Resident set size of a process tree, in bytes. */
export function treeRssBytes(root: number): number {
  let total = 0;
  const visit = (pid: number) => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      const tasks = readdirSync(`/proc/${pid}/task`);
      for (const task of tasks) {
        const kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
        for (const kid of kids ? kids.split(' ') : []) visit(Number(kid));
      }
    } catch {
      // gone meanwhile
    }
  };
  visit(root);
  return total;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const values = line.split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  return { busy: user + nice + system + irq + softirq + steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** A child process of the benchmark that says `{ type: 'ready', … }` over IPC once it serves. */
export interface Child<Ready = Record<string, unknown>> {
  readonly process: ChildProcess;
  readonly pid: number;
  readonly ready: Ready;
  /** Sends a request over IPC and resolves with the first answer of type `reply`. */
  ask<T>(message: Record<string, unknown>, reply: string): Promise<T>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `node --conditions=source --import tsx script` on `core`, with `env` added, and waits for its
 * `ready` message. `stop()` asks it to close (SIGTERM after 5 s, SIGKILL after 10 s).
 */
export async function startNodeChild<Ready = Record<string, unknown>>(
  script: string,
  core: number,
  env: Record<string, string>,
  nodeOptions: readonly string[] = [],
): Promise<Child<Ready>> {
  const [command, args] = onCore(core, process.execPath, [...nodeOptions, '--conditions=source', '--import', 'tsx', script]);
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const onMessage = (message: { type?: string }) => {
      if (message.type === 'ready') {
        child.off('message', onMessage);
        resolve(message as Ready);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code, signal) => reject(new Error(`${script} exited during start-up (code ${code}, signal ${signal})`)));
  });
  return {
    process: child,
    pid: child.pid!,
    ready,
    ask<T>(message: Record<string, unknown>, reply: string) {
      return new Promise<T>((resolve) => {
        const onMessage = (answer: { type?: string }) => {
          if (answer.type !== reply) return;
          child.off('message', onMessage);
          resolve(answer as T);
        };
        child.on('message', onMessage);
        child.send(message);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop' });
      const term = setTimeout(() => child.kill('SIGTERM'), 5_000);
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(term);
      clearTimeout(kill);
    },
  };
}
