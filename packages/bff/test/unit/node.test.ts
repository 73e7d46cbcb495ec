import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLoopbackServer, type LoopbackServer } from '@cloakroom/test-harness/loopback';
import { afterEach, describe, expect, it } from 'vitest';
import { toNodeHandler } from '../../src/node.js';

/** An app that answers what it got: method, path and body. */
const echo = {
  fetch: async (request: Request) =>
    Response.json({ method: request.method, path: new URL(request.url).pathname, body: await request.text() }),
};

/** What `express.json()` does to a request with a body: reads all of it. */
async function readBody(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req);
}

let server: LoopbackServer | undefined;
afterEach(() => server?.close());

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
  server = await startLoopbackServer((req, res) => void handler(req, res));
  return server.url;
}

describe('toNodeHandler', () => {
  it('serves the app on Node, the request body streamed to it', async () => {
    const url = await serve(toNodeHandler(echo));
    const response = await fetch(`${url}/bff/api/orders/orders`, { method: 'POST', body: '{"item":"tea"}' });
    expect(await response.json()).toEqual({ method: 'POST', path: '/bff/api/orders/orders', body: '{"item":"tea"}' });
  });

  it('routes on the full path when mounted under one, as Express and Connect mount it', async () => {
    const handler = toNodeHandler(echo);
    // What `app.use('/bff', handler)` does: the mount path moves from `url` to `originalUrl`.
    const url = await serve((req, res) => {
      Object.assign(req, { originalUrl: req.url, url: req.url!.slice('/bff'.length) });
      return handler(req, res);
    });
    const response = await fetch(`${url}/bff/session?x=1`);
    expect(await response.json()).toMatchObject({ path: '/bff/session' });
  });

  it('answers 500 request_body_consumed, with the fix, when a body parser read the body first', async () => {
    const handler = toNodeHandler({ fetch: () => expect.unreachable('the app must not see a request without its body') });
    const url = await serve(async (req, res) => {
      await readBody(req);
      return handler(req, res);
    });
    for (const body of ['{"item":"tea"}', new Blob(['chunked']).stream()]) {
      const response = await fetch(`${url}/bff/api/orders/orders`, { method: 'POST', body, duplex: 'half' } as RequestInit);
      expect(response.status).toBe(500);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const problem = (await response.json()) as { code: string; detail: string };
      expect(problem.code).toBe('request_body_consumed');
      expect(problem.detail).toContain('before express.json()');
    }
  });

  it('lets through requests that have no body to lose, whatever ran first', async () => {
    const handler = toNodeHandler(echo);
    const url = await serve(async (req, res) => {
      await readBody(req);
      return handler(req, res);
    });
    expect(await (await fetch(`${url}/bff/session`)).json()).toMatchObject({ method: 'GET' });
    expect(await (await fetch(`${url}/bff/logout`, { method: 'POST' })).json()).toMatchObject({ method: 'POST', body: '' });
  });
});
