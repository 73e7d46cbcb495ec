import { describe, expect, it } from 'vitest';
import { KeyedMutex } from '../../../src/sessions/keyed-mutex.js';

describe('KeyedMutex', () => {
  it('runs the tasks of one key one at a time, in order', async () => {
    const mutex = new KeyedMutex<string>();
    let running = 0;
    let overlapped = false;
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        mutex.run('k', async () => {
          running++;
          overlapped ||= running > 1;
          await new Promise((resolve) => setTimeout(resolve, 5));
          order.push(n);
          running--;
        }),
      ),
    );
    expect(overlapped).toBe(false);
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('lets different keys run at once, and goes on after a failure', async () => {
    const mutex = new KeyedMutex<string>();
    let release!: () => void;
    const blocked = mutex.run('a', () => new Promise<void>((resolve) => (release = resolve)));
    expect(await mutex.run('b', async () => 'b ran')).toBe('b ran');
    release();
    await blocked;
    await expect(mutex.run('a', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await mutex.run('a', async () => 'after')).toBe('after');
  });
});
