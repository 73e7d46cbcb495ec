import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { forward, responseHeaders, type ForwardOptions } from '../../src/proxy.js';
import type { SendUpstream } from '../../src/upstream-client.js';

/** An API that answers at once with `chunks` as its body (none: no body), or fails to connect. */
const answering =
  (chunks: string[] | null): SendUpstream =>
  async () => ({
    status: 200,
    headers: new Headers(),
    decoded: false,
    body:
      chunks &&
      new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
          controller.close();
        },
      }),
  });
const unreachable: SendUpstream = async () => Promise.reject(new TypeError('fetch failed'));

const options = (send: SendUpstream): ForwardOptions => ({
  url: 'http://127.0.0.1:9/x',
  request: new Request('http://localhost/bff/api/x/x'),
  accessToken: undefined,
  forwardHeaders: [],
  send,
  timeout: 1_000,
  maxBodySize: 1_024,
  totalTimeout: 60_000,
});

describe('forward: the whole-response timer (timeouts.upstreamTotal)', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => void vi.useRealTimers());

  it('stops once the body has been read to its end', async () => {
    const response = await forward(options(answering(['a', 'b'])));
    expect(vi.getTimerCount()).toBe(1);
    expect(await new Response(response.body).text()).toBe('ab');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops when the body is cancelled (the browser went away)', async () => {
    const response = await forward(options(answering(['a'])));
    await response.body!.cancel();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops at once for a response without a body, and when the API cannot be reached', async () => {
    await forward(options(answering(null)));
    expect(vi.getTimerCount()).toBe(0);
    await expect(forward(options(unreachable))).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('responseHeaders: X-Accel-Buffering', () => {
  const headersFor = (upstream: Record<string, string>) =>
    responseHeaders(
      { status: 200, headers: new Headers(upstream), body: null, decoded: false },
      { responseHeaders: [], privateResponses: false },
    )['x-accel-buffering'];

  it('tells nginx in front not to buffer an event stream, unless the API says otherwise', () => {
    expect(headersFor({ 'content-type': 'text/event-stream; charset=utf-8' })).toBe('no');
    expect(headersFor({ 'content-type': 'text/event-stream', 'x-accel-buffering': 'yes' })).toBe('yes');
  });

  it("leaves other answers to the API's word", () => {
    expect(headersFor({ 'content-type': 'application/json' })).toBeUndefined();
    expect(headersFor({ 'content-type': 'application/x-ndjson', 'x-accel-buffering': 'no' })).toBe('no');
  });
});
