import { describe, expect, it } from 'vitest';
import { redact, redactingLogger, type Logger } from '../../src/logger.js';

const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('redact', () => {
  it('masks token-shaped strings anywhere in text', () => {
    expect(redact(`got ${jwt} back`)).toBe('got [redacted] back');
    expect(redact('Authorization: Bearer abc.def-123')).toBe('Authorization: Bearer [redacted]');
    expect(redact('cookie Fe26.2*1*abcdef*ghi~2 set')).toBe('cookie [redacted] set');
  });

  it('masks credential-named fields whatever their value', () => {
    expect(redact({ access_token: 'opaque123', refreshToken: 'r', headers: { Cookie: 'a=b', accept: 'x' }, code: 'c0de' })).toEqual({
      access_token: '[redacted]',
      refreshToken: '[redacted]',
      headers: { Cookie: '[redacted]', accept: 'x' },
      code: '[redacted]',
    });
  });

  it('keeps errors readable without their secrets', () => {
    expect(redact(new Error(`bad token ${jwt}`))).toEqual({ name: 'Error', message: 'bad token [redacted]' });
  });

  it('keeps the cause chain of an error, redacted, but not a cause that is a plain object (a response body)', () => {
    const root = new TypeError(`fetch failed for ${jwt}`);
    const error = new Error('request failed', { cause: new Error('socket closed', { cause: root }) });
    expect(redact(error)).toEqual({
      name: 'Error',
      message: 'request failed',
      cause: { name: 'Error', message: 'socket closed', cause: { name: 'TypeError', message: 'fetch failed for [redacted]' } },
    });
    expect(redact(new Error('refused', { cause: { access_token: 'opaque' } }))).toEqual({ name: 'Error', message: 'refused' });
  });

  it('wraps a logger so nothing reaches it unredacted', () => {
    const lines: unknown[] = [];
    const sink: Logger = { info: (...args) => lines.push(args), warn: () => {}, error: () => {} };
    redactingLogger(sink).info(`token ${jwt}`, { idToken: jwt, nested: [{ text: jwt }] });
    expect(JSON.stringify(lines)).not.toContain(jwt);
  });

  it('writes nothing for a level the logger has disabled, and says which are enabled', () => {
    const lines: unknown[] = [];
    const sink: Logger = {
      info: (...args) => lines.push(args),
      warn: (...args) => lines.push(args),
      error: () => {},
      isLevelEnabled: (level) => level !== 'info',
    };
    const logger = redactingLogger(sink);
    logger.info('dropped', { fields: { a: 1 } });
    logger.warn('kept');
    expect(lines).toEqual([['kept', undefined]]);
    expect([logger.isLevelEnabled('info'), logger.isLevelEnabled('warn')]).toEqual([false, true]);
    expect(redactingLogger({ info() {}, warn() {}, error() {} }).isLevelEnabled('info')).toBe(true);
  });
});
