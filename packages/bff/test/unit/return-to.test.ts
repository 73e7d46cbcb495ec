import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../src/return-to.js';

const origin = 'http://localhost:3000';

describe('safeReturnTo', () => {
  it('accepts at most 2,048 characters (it rides in a cookie, which browsers drop past 4 KB)', () => {
    const at = `/${'a'.repeat(2047)}`;
    expect(safeReturnTo(at, origin)).toBe(at);
    expect(safeReturnTo(`${at}b`, origin)).toBeUndefined();
    expect(safeReturnTo(`/${'a'.repeat(12_000)}`, origin)).toBeUndefined();
  });

  it.each([
    [undefined, '/'],
    ['', '/'],
    ['/', '/'],
    ['/orders', '/orders'],
    ['/orders?page=2#top', '/orders?page=2#top'],
    ['/a/../b', '/b'],
  ])('accepts %j as %j', (value, expected) => {
    expect(safeReturnTo(value, origin)).toBe(expected);
  });

  it.each([
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example/',
    'http://localhost:3000/orders',
    'javascript:alert(1)',
    'orders',
    '/\t/evil.example',
    '/\n/evil.example',
    '/.//evil.example',
    '/a/..//evil.example',
    '/%2e%2e//evil.example',
    '/./\\evil.example',
  ])('refuses %j', (value) => {
    expect(safeReturnTo(value, origin)).toBeUndefined();
  });
});
