import { recordLogLine } from '@cloakroom/test-harness';
import type { Logger } from '../src/logger.js';

/**
 * A logger that keeps its lines, so tests can assert that no secret was ever written; the run-wide
 * log scan reads them too.
 */
export function memoryLogger(): Logger & { lines: string[]; text(): string } {
  const lines: string[] = [];
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    const line = JSON.stringify({ level, message, ...fields });
    lines.push(line);
    recordLogLine(line);
  };
  return { lines, info: write('info'), warn: write('warn'), error: write('error'), text: () => lines.join('\n') };
}
