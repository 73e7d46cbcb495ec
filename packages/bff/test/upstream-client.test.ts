import { requestUrl } from '@cloakroom/test-harness';
import { gzipSync } from 'node:zlib';
import { startLoopbackServer, type LoopbackServer } from '@cloakroom/test-harness/loopback';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamSender } from '../src/upstream-client.js';

let upstream: LoopbackServer;
beforeAll(async () => {
  upstream = await startLoopbackServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }).end(gzipSync('hello'));
  });
});
afterAll(() => upstream.close());

const get = { method: 'GET', headers: { 'accept-encoding': 'gzip' }, body: undefined };

describe('upstreamSender', () => {
  it("takes undici's request on Node when no fetch is configured: the body comes as sent, not decoded", async () => {
    const response = await upstreamSender(undefined)(upstream.url, { ...get, signal: new AbortController().signal });
    expect(response.decoded).toBe(false);
    expect(response.headers.get('content-encoding')).toBe('gzip');
    const bytes = new Uint8Array(await new Response(response.body).arrayBuffer());
    expect(Buffer.from(bytes)).toEqual(gzipSync('hello'));
  });

  it('takes the configured fetch when there is one (it may add tracing or mTLS)', async () => {
    const seen: string[] = [];
    const counting: typeof fetch = (input, init) => {
      seen.push(requestUrl(input));
      return fetch(input, init);
    };
    const response = await upstreamSender(counting)(upstream.url, { ...get, signal: new AbortController().signal });
    expect(seen).toEqual([upstream.url]);
    // fetch decodes what it asked to be compressed.
    expect(response.decoded).toBe(true);
    expect(await new Response(response.body).text()).toBe('hello');
  });
});

describe('a body from undici', () => {
  it('cancelled before it is read, or cut by the upstream, errors no further than its reader', async () => {
    const cutting = await startLoopbackServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part');
      setTimeout(() => res.socket?.destroy(), 50);
    });
    try {
      const send = upstreamSender(undefined);
      // An answer the proxy drops unread (a 401 it retries after a refresh): its body is cancelled.
      const dropped = await send(upstream.url, { ...get, signal: new AbortController().signal });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await dropped.body!.cancel();
      // The browser goes away before reading: the body is cancelled with a reason.
      const cancelled = await send(cutting.url, { ...get, signal: new AbortController().signal });
      await cancelled.body!.cancel(new Error('the browser went away'));
      // The upstream cuts the connection while nobody reads; the reader then sees an error.
      const cut = await send(cutting.url, { ...get, signal: new AbortController().signal });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(new Response(cut.body).arrayBuffer()).rejects.toThrow();
    } finally {
      await cutting.close();
    }
    // Vitest fails the file on an uncaught exception: reaching the end without one is the point.
  });
});
