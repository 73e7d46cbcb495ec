import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INSTRUMENTATION_SCOPE } from '../../../src/telemetry/scope.js';

describe('INSTRUMENTATION_SCOPE', () => {
  it('names the package and its version (after `pnpm version-packages`, copy the new version here)', () => {
    const { name, version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      name: string;
      version: string;
    };
    expect(INSTRUMENTATION_SCOPE).toEqual({ name, version });
  });
});
