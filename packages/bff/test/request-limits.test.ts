import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COOKIE_SECRET, startBff, type RunningBff } from './stack.js';
import { startUpstream, type CapturingUpstream } from './upstream.js';

let upstream: CapturingUpstream;
let bff: RunningBff;
beforeAll(async () => {
  // `/slow` starts an answer and never finishes it, like a stuck download.
  upstream = await startUpstream((request, res) => {
    if (request.url.endsWith('/slow')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part;');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  bff = await startBff(() => ({
    issuer: 'http://127.0.0.1:9',
    clientId: 'bff',
    clientSecret: 'secret',
    cookieSecret: COOKIE_SECRET,
    apis: { open: { baseUrl: upstream.url, token: 'none' } },
    timeouts: { upstreamTotal: 1_000 },
  }));
});
afterAll(async () => {
  await bff.close();
  await upstream.close();
});

describe('timeouts.upstreamTotal', () => {
  it('cuts off an upstream response that is still streaming when the time is up', async () => {
    const response = await fetch(`${bff.origin}/bff/api/open/slow`, { headers: { 'x-csrf': '1' } });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('first part;');
    // The rest never comes: the BFF ends the stream instead of holding it open forever.
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return 'ended';
      })(),
    ).rejects.toThrow();
  });
});

describe('a client that goes away mid-request', () => {
  it('is a quiet log line, not an unhandled error', async () => {
    const { port } = new URL(bff.origin);
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/bff/api/open/upload',
        headers: { 'x-csrf': '1', 'content-type': 'application/octet-stream', 'content-length': '1000000', host: new URL(bff.origin).host },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(64 * 1024));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 200);
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const lines = bff.logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ message: 'request', path: '/bff/api/open/upload', status: 499 }));
  });
});
