import { format } from 'node:util';
import { recordingFetch, type Leak, type SecretRegistry } from './log-scan.js';

/** A log scan under way in this process: see {@link startLogScan}. */
export interface LogScan {
  /** Puts `fetch`, the console and the output streams back, and returns what leaked. */
  stop(extraLines?: readonly string[]): Leak[];
}

const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;

/**
 * Starts recording, in this process: the secrets that cross `fetch` (into `registry`), everything
 * written to stdout and stderr, and the console's text (a test runner's console may not go through
 * stdout). {@link LogScan.stop} searches all of it, plus `extraLines` (what in-memory loggers kept).
 */
export function startLogScan(registry: SecretRegistry): LogScan {
  const output: string[] = [];
  const originalFetch = globalThis.fetch;
  globalThis.fetch = recordingFetch(originalFetch, registry);

  const restores = [process.stdout, process.stderr].map((stream) => {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was; called with its stream
    const write = stream.write;
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      return (write as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    };
    return () => void (stream.write = write);
  });
  for (const method of CONSOLE_METHODS) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was afterwards
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      output.push(format(...args));
      original.apply(console, args);
    };
    restores.push(() => void (console[method] = original));
  }

  return {
    stop(extraLines = []) {
      globalThis.fetch = originalFetch;
      for (const restore of restores) restore();
      return registry.findLeaks([...output, ...extraLines].join('\n'));
    },
  };
}

/** One line per leak, for a failure message. */
export function describeLeaks(leaks: readonly Leak[]): string {
  return `${leaks.length} secret(s) logged:\n${leaks.map((leak) => `  ${leak.kind}: ${leak.excerpt}`).join('\n')}`;
}
