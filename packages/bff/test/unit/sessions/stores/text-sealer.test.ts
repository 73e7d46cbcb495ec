import { describe, expect, it } from 'vitest';
import { textSealer } from '../../../../src/sessions/stores/text-sealer.js';

const SECRET_A = 'secret-A-0123456789-0123456789-0123456789';
const SECRET_B = 'secret-B-0123456789-0123456789-0123456789';

describe('textSealer', () => {
  it('opens what it sealed, for the same context only', async () => {
    const sealer = textSealer({ 1: SECRET_A }, 'test');
    const seal = await sealer.seal('{"token":"t-1"}', 'id-1');
    expect(seal).toMatch(/^1\.[\w-]+$/);
    expect(seal).not.toContain('t-1');
    expect(await sealer.unseal(seal, 'id-1')).toBe('{"token":"t-1"}');
    expect(await sealer.unseal(seal, 'id-2')).toBeUndefined();
    expect(await sealer.seal('same', 'id-1')).not.toBe(await sealer.seal('same', 'id-1')); // a fresh IV each time
  });

  it('refuses a changed, truncated or malformed seal, and one of another secret or purpose', async () => {
    const sealer = textSealer({ 1: SECRET_A }, 'test');
    const seal = await sealer.seal('value', 'ctx');
    const flipped = seal.slice(0, -2) + (seal.at(-2) === 'A' ? 'B' : 'A') + seal.at(-1);
    for (const bad of [flipped, seal.slice(0, -3), `2${seal.slice(1)}`, 'no-dot', '1.', '1.!!!', `.${seal}`]) {
      expect(await sealer.unseal(bad, 'ctx'), bad).toBeUndefined();
    }
    expect(await textSealer({ 1: SECRET_B }, 'test').unseal(seal, 'ctx')).toBeUndefined();
    expect(await textSealer({ 1: SECRET_A }, 'other').unseal(seal, 'ctx')).toBeUndefined();
  });

  it('seals with the highest secret id and opens with any', async () => {
    const old = await textSealer({ 1: SECRET_A }, 'test').seal('value', 'ctx');
    const rotated = textSealer({ 1: SECRET_A, 10: SECRET_B }, 'test');
    expect(await rotated.unseal(old, 'ctx')).toBe('value');
    const seal = await rotated.seal('value', 'ctx');
    expect(seal.startsWith('10.')).toBe(true);
    expect(await textSealer({ 1: SECRET_A }, 'test').unseal(seal, 'ctx')).toBeUndefined();
  });
});
