import { SecretRegistry } from './log-scan.js';

export { SecretRegistry, recordingFetch, type Leak, type SecretKind } from './log-scan.js';
export { describeLeaks, startLogScan, type LogScan } from './log-scan-session.js';
export { StallWatchdog } from './watchdog.js';

/** The URL a `fetch` was called with, whichever form it took. */
export function requestUrl(input: RequestInfo | URL): string {
  return input instanceof Request ? input.url : input.toString();
}

/** The secrets this test process has seen (filled by the log-scan setup file and by fixtures). */
export const registry = new SecretRegistry();

/** Lines kept by in-memory test loggers, scanned with the console output when the file ends. */
export const logLines: string[] = [];

/** Hands a line an in-memory test logger kept to the run-wide log scan. */
export function recordLogLine(line: string): void {
  logLines.push(line);
}
