import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BFF_ERROR_CODES } from './errors.js';

describe('the error catalogue', () => {
  it('is the list the README documents, code for code', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| `([a-z_]+)` \| \d{3} \|/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual([...BFF_ERROR_CODES].sort());
  });
});
