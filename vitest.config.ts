import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { StallWatchdog } from './tools/test-harness/src/watchdog.js';

// `source` makes workspace packages resolve to their TypeScript sources, so tests need no build.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // Without `module`, as Vitest's own default: Vitest hands these to Node as `--conditions`, and
  // Node would then load packages' bundler-only `module` builds (OpenTelemetry's are not Node ESM).
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions.filter((condition) => condition !== 'module')] } },
  test: {
    include: ['{packages,apps,tools,examples}/*/{src,test}/**/*.test.{ts,tsx}'],
    // Every test file's output is scanned for secrets when it ends.
    setupFiles: ['./tools/test-harness/src/log-scan-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // No test takes 2 minutes; a run silent that long is stuck (see StallWatchdog).
    reporters: ['default', new StallWatchdog(Number(process.env.VITEST_STALL_SECONDS ?? 120) * 1000)],
  },
});
