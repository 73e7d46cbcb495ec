import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

/**
 * Ends a run that has stopped making progress. `testTimeout` and `hookTimeout` cannot reach a test
 * file whose worker is stuck (a synchronous loop, a module that never finishes loading): such a file
 * would hold CI until its hard limit and leave no clue. After `stallMs` in which no test finished, this
 * prints what is running, kills the workers (a stuck one ignores a polite stop) and exits 1.
 */
export class StallWatchdog implements Reporter {
  private timer: NodeJS.Timeout | undefined;
  /** What each running file is doing: its current test, or loading. */
  private readonly running = new Map<string, string>();

  constructor(private readonly stallMs: number) {}

  onTestModuleStart(module: TestModule): void {
    this.running.set(module.moduleId, '(loading the file)');
    this.arm();
  }

  onTestCaseReady(test: TestCase): void {
    this.running.set(test.module.moduleId, test.fullName);
  }

  onTestCaseResult(test: TestCase): void {
    this.running.set(test.module.moduleId, '(between tests, in a hook)');
    this.arm();
  }

  onTestModuleEnd(module: TestModule): void {
    this.running.delete(module.moduleId);
    this.arm();
  }

  onTestRunEnd(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.stalled(), this.stallMs);
  }

  private stalled(): void {
    const running = [...this.running].map(([file, what]) => `  ${relative(process.cwd(), file)} › ${what}`);
    process.stderr.write(`\n[watchdog] no test finished in ${this.stallMs / 1000} s; still running:\n${running.join('\n')}\n`);
    // The workers are this process's children; none may outlive the run and keep its ports.
    spawnSync('pkill', ['-KILL', '-P', String(process.pid)]);
    process.exit(1);
  }
}
