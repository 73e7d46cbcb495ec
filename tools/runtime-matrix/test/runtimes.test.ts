import { expect, it } from 'vitest';
import { describeBffSuite } from '../src/bff-suite.js';
import { RUNTIMES } from '../src/runtimes.js';
import { startRuntimeStack } from './stack.js';

// The same suite on every runtime; the IdP and the API stay on Node, in this process.
for (const runtime of RUNTIMES) {
  describeBffSuite(
    `the BFF on ${runtime.label}`,
    runtime.label,
    (options) => startRuntimeStack(runtime, options),
    { refresh: true, backchannelLogout: true },
    (stack) => {
      it('is served by that runtime', () => {
        expect(stack().servedBy).toMatch(runtime.identity);
      });
    },
  );
}
