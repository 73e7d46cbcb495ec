import type { Logger } from '../src/logger.js';

/** A logger that keeps its lines, so tests can assert that no secret was ever written. */
export function memoryLogger(): Logger & { lines: string[]; text(): string } {
  const lines: string[] = [];
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(JSON.stringify({ level, message, ...fields }));
  };
  return { lines, info: write('info'), warn: write('warn'), error: write('error'), text: () => lines.join('\n') };
}
