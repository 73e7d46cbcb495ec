import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemoBff, type RunningDemo } from '../src/index.js';

/**
 * The demo production server puts its own middleware (security headers, static files) beside the
 * BFF: an event stream through it must still arrive event by event, uncompressed. The upstream is a
 * Hono API answering with `streamSSE`, which sends its second event only when the test says so.
 */

/** Over the 1 KiB below which compression middleware (Hono's, Vite's) leaves an answer alone. */
const firstEvent = 'x'.repeat(2048);
let releaseSecondEvent!: () => void;
const secondEventReleased = new Promise<void>((resolve) => (releaseSecondEvent = resolve));
const upstream = serve({
  fetch: new Hono().get('/events', (c) =>
    streamSSE(c, async (stream) => {
      await stream.writeSSE({ data: firstEvent });
      await secondEventReleased;
      await stream.writeSSE({ data: '2' });
    }),
  ).fetch,
  port: 0,
  hostname: '127.0.0.1',
});
let demo: RunningDemo;
beforeAll(async () => {
  if (!upstream.listening) await new Promise((resolve) => upstream.once('listening', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // An API that needs no token: the demo's middleware is what this file is about, not sign-in.
  demo = await startDemoBff({ port: 0, bff: { apis: { events: { baseUrl: upstreamUrl, token: 'none' } } } });
});
afterAll(async () => {
  releaseSecondEvent();
  await demo.close();
  await new Promise((resolve) => upstream.close(resolve));
});

it('passes an event stream through the demo server unbuffered and uncompressed', async () => {
  // Node's fetch asks for gzip, as a browser does: a compressing middleware would take it up.
  const response = await fetch(`${demo.url}/bff/api/events/events`, { headers: { 'x-csrf': '1' } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  expect(response.headers.get('content-encoding')).toBeNull();
  expect(response.headers.get('x-accel-buffering')).toBe('no');
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  // The upstream is still holding its second event back: the first came through on its own.
  expect((await reader.read()).value).toBe(`data: ${firstEvent}\n\n`);
  releaseSecondEvent();
  expect((await reader.read()).value).toBe('data: 2\n\n');
  expect((await reader.read()).done).toBe(true);
});
