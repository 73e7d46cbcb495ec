/**
 * Vitest setup file: the run-wide log scan, file by file. Each test file records the secrets that
 * cross `fetch`, and fails when it ends if anything it wrote (console, stdout, stderr, in-memory
 * test loggers, through `recordLogLine`) holds one of them or a credential shape. See `log-scan.ts`.
 */
import { afterAll } from 'vitest';
import { logLines, registry } from './index.js';
import { describeLeaks, startLogScan } from './log-scan-session.js';

const scan = startLogScan(registry);

afterAll(() => {
  const leaks = scan.stop(logLines);
  if (leaks.length > 0) throw new Error(`This file: ${describeLeaks(leaks)}`);
});
