import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../../src/oidc/single-flight.js';

describe('SingleFlight', () => {
  it('shares one running task among concurrent callers of a key', async () => {
    const flights = new SingleFlight<string, number>();
    let runs = 0;
    let release!: (value: number) => void;
    const task = () => {
      runs++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const callers = Array.from({ length: 50 }, () => flights.run('s1', task));
    expect(flights.size).toBe(1);
    release(42);
    expect(await Promise.all(callers)).toEqual(Array(50).fill(42));
    expect(runs).toBe(1);
    expect(flights.size).toBe(0);
  });

  it('runs different keys independently and starts afresh once a task has settled', async () => {
    const flights = new SingleFlight<string, string>();
    let runs = 0;
    const task = async () => `run ${++runs}`;
    expect(await Promise.all([flights.run('a', task), flights.run('b', task)])).toEqual(['run 1', 'run 2']);
    expect(await flights.run('a', task)).toBe('run 3');
  });

  it('shares a failure too, and frees the key for the next attempt', async () => {
    const flights = new SingleFlight<string, string>();
    const failing = Promise.all([
      flights.run('k', () => Promise.reject(new Error('down'))),
      flights.run('k', () => Promise.resolve('never runs')),
    ]);
    await expect(failing).rejects.toThrow('down');
    expect(await flights.run('k', async () => 'up')).toBe('up');
  });
});
