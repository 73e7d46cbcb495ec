import type { IncomingMessage, ServerResponse } from 'node:http';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { deferred } from '@cloakroom/test-harness/fake-bff';
import { startLoopbackServer, type LoopbackServer } from '@cloakroom/test-harness/loopback';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BffConfig } from '../src/index.js';
import { ORDERS_RESOURCE, startStack } from './stack.js';

/**
 * Streamed answers (Server-Sent Events, an LLM's token stream) through the user-token path of a real
 * BFF, signed in at the real dev IdP: each piece reaches the browser as the upstream sends it, a long
 * or silent stream outlives the response-header timeout and a refresh, and a browser that goes away
 * closes the upstream's connection. Ordering is proven with latches the test opens, never with timing.
 */

const alice = { username: 'alice', password: 'alice-password' };
const ACCESS_TOKEN_TTL = 3;
/** Milliseconds for the upstream's response headers: far less than the streams below stay open. */
const HEADER_TIMEOUT = 500;
const SSE = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Both ways the proxy calls APIs: undici's `request` (on Node, no `fetch` configured) and a configured `fetch`. */
const TRANSPORTS: [string, Partial<BffConfig>][] = [
  ['undici on Node', {}],
  ['a configured fetch', { fetch: (input, init) => fetch(input, init) }],
];

/** How the upstream answers `/stream`; each test sets it. `/ping` always answers at once. */
let respond: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(404).end();
/** The bearer token of each upstream request, by path. */
const bearers: { path: string; token: string | undefined }[] = [];
let upstream: LoopbackServer;
beforeAll(async () => {
  upstream = await startLoopbackServer((req, res) => {
    bearers.push({ path: req.url ?? '', token: req.headers.authorization?.replace(/^Bearer /, '') });
    if (req.url === '/ping') res.writeHead(200, { 'content-type': 'application/json' }).end('{"pong":true}');
    else respond(req, res);
  });
});
afterAll(() => upstream.close());

const decoder = new TextDecoder();
/** The next chunk the browser gets, as text; `null` once the stream has ended. */
async function nextChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string | null> {
  const { value, done } = await reader.read();
  return done ? null : decoder.decode(value);
}

describe.each(TRANSPORTS)('streamed responses through %s', (transport, config) => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  beforeAll(async () => {
    stack = await startStack(() => ({ llm: { baseUrl: upstream.url, scopes: ['orders:read'], resource: ORDERS_RESOURCE } }), {
      idp: { accessTokenTtl: ACCESS_TOKEN_TTL },
      // A small refresh margin, so that a token is fresh for most of its 3 seconds.
      bff: { refreshMargin: 0.5, timeouts: { upstream: HEADER_TIMEOUT }, ...config },
    });
  });
  afterAll(() => stack.close());

  /** A browser signed in as alice, calling the `llm` API through the BFF. */
  async function signedIn() {
    const browser = new TestBrowser();
    await signIn(browser, `${stack.bff.origin}/bff/login`, alice);
    return (path: string, init: RequestInit = {}) =>
      browser.fetch(`${stack.bff.origin}/bff/api/llm${path}`, { ...init, headers: { 'x-csrf': '1', ...init.headers } });
  }

  it('delivers the first SSE event before the upstream has finished, headers intact', async () => {
    const call = await signedIn();
    const release = deferred<void>();
    let upstreamFinished = false;
    respond = (_req, res) => {
      res.writeHead(200, SSE).write('data: 1\n\n');
      void release.promise.then(() => {
        upstreamFinished = true;
        res.end('data: 2\n\n');
      });
    };
    const started = performance.now();
    const response = await call('/stream', { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toMatch(/\bno-cache\b/);
    // Streamed as it comes: no length invented, nothing compressed on the way, and a hint to nginx
    // in front of the BFF not to buffer (it takes the header off itself).
    expect(response.headers.get('content-length')).toBeNull();
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('x-accel-buffering')).toBe('no');

    const reader = response.body!.getReader();
    expect(await nextChunk(reader)).toBe('data: 1\n\n');
    // The upstream waits for this test, which has not released it yet: the event came on its own.
    expect(upstreamFinished).toBe(false);
    console.info(
      `[${transport}] first SSE event through the BFF after ${(performance.now() - started).toFixed(1)} ms, upstream still open`,
    );
    release.resolve();
    expect(await nextChunk(reader)).toBe('data: 2\n\n');
    expect(await nextChunk(reader)).toBeNull();
  });

  it('passes an LLM-style token stream chunk by chunk, in order and unaltered', async () => {
    const call = await signedIn();
    const tokens = Array.from({ length: 40 }, (_, index) => `${JSON.stringify({ index, token: ` tok${index}` })}\n`);
    // Lock-step: the upstream writes the next token only once the browser has read the previous one,
    // so each read must be exactly one token, and none can be held back or merged on the way.
    let read = deferred<void>();
    let prompt = '';
    respond = (req, res) => {
      req.setEncoding('utf8').on('data', (chunk: string) => (prompt += chunk));
      // An upstream that streams says so to a buffering proxy in front of the BFF; that passes.
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'x-accel-buffering': 'no' });
      void (async () => {
        for (const token of tokens) {
          res.write(token);
          await read.promise;
        }
        res.end();
      })();
    };
    const response = await call('/stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Say hello' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(response.headers.get('content-length')).toBeNull();
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    const reader = response.body!.getReader();
    for (const token of tokens) {
      expect(await nextChunk(reader)).toBe(token);
      const acknowledged = read;
      read = deferred<void>();
      acknowledged.resolve();
    }
    expect(await nextChunk(reader)).toBeNull();
    expect(prompt).toBe('{"prompt":"Say hello"}');
  });

  /**
   * Opens `/stream`, whose upstream sends one event and then holds the stream open; `finish()` lets
   * it send the second and end, and checks that both reached the browser, in order.
   */
  async function openHeldStream(call: Awaited<ReturnType<typeof signedIn>>): Promise<{ finish(): Promise<void> }> {
    const release = deferred<void>();
    respond = (_req, res) => {
      res.writeHead(200, SSE).write('data: 1\n\n');
      void release.promise.then(() => res.end('data: 2\n\n'));
    };
    const reader = (await call('/stream')).body!.getReader();
    expect(await nextChunk(reader)).toBe('data: 1\n\n');
    return {
      async finish() {
        release.resolve();
        expect(await nextChunk(reader)).toBe('data: 2\n\n');
        expect(await nextChunk(reader)).toBeNull();
      },
    };
  }

  it('keeps a stream open far past the response-header timeout, silent in between', async () => {
    const stream = await openHeldStream(await signedIn());
    // `timeouts.upstream` bounds the wait for headers only; three times as long without a byte.
    await sleep(3 * HEADER_TIMEOUT);
    await stream.finish();
  });

  it('keeps a stream going while its access token expires and another call refreshes it', async () => {
    const call = await signedIn();
    const stream = await openHeldStream(call);
    const streamToken = bearers.at(-1)!.token;

    const grants = stack.idp.counts.refreshTokenGrants;
    await sleep(ACCESS_TOKEN_TTL * 1000 + 200);
    // The token the stream was opened with has expired: the next call refreshes, rotating both tokens.
    expect((await call('/ping')).status).toBe(200);
    expect(stack.idp.counts.refreshTokenGrants).toBe(grants + 1);
    expect(bearers.at(-1)).toMatchObject({ path: '/ping' });
    expect(bearers.at(-1)!.token).not.toBe(streamToken);

    // The stream was authorised when it opened; what the session does since is not its concern.
    await stream.finish();
  });

  it('closes the upstream connection when the browser goes away mid-stream', async () => {
    const call = await signedIn();
    const upstreamClosed = deferred<void>();
    respond = (_req, res) => {
      res.writeHead(200, SSE).write('data: 1\n\n');
      res.on('close', () => upstreamClosed.resolve());
    };
    const browser = new AbortController();
    const response = await call('/stream', { signal: browser.signal });
    expect(await nextChunk(response.body!.getReader())).toBe('data: 1\n\n');
    // @hono/node-server prints a response body that fails (rather than is cancelled) to the console.
    const consoleError = vi.spyOn(console, 'error');
    try {
      browser.abort();
      // Resolves only if the BFF lets go of the upstream (the test would time out otherwise).
      await upstreamClosed.promise;
      expect(consoleError).not.toHaveBeenCalled();
    } finally {
      consoleError.mockRestore();
    }
    const errors = stack.bff.logger.lines.filter((line) => (JSON.parse(line) as { level: string }).level === 'error');
    expect(errors).toEqual([]);
  });
});
