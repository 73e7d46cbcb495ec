import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { StallWatchdog } from './vitest.watchdog.js';

// `source` makes workspace packages resolve to their TypeScript sources, so tests need no build.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  test: {
    include: ['packages/*/{src,test}/**/*.test.{ts,tsx}', 'apps/*/{src,test}/**/*.test.{ts,tsx}'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // No test takes 2 minutes; a run silent that long is stuck (see StallWatchdog).
    reporters: ['default', new StallWatchdog(Number(process.env.VITEST_STALL_SECONDS ?? 120) * 1000)],
  },
});
