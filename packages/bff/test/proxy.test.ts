import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBff, type BffConfig } from '../src/index.js';
import { memoryLogger } from './memory-logger.js';
import { startUpstream, type CapturingUpstream } from './upstream.js';

const origin = 'http://localhost:3000';
let upstream: CapturingUpstream;

/** Both ways the proxy calls APIs: undici's `request` (on Node, no `fetch` configured) and a configured `fetch`. */
const TRANSPORTS: [string, Partial<BffConfig>][] = [
  ['undici on Node', {}],
  ['a configured fetch', { fetch: (input, init) => fetch(input, init) }],
];
let transport: Partial<BffConfig> = {};

function bff(apis: BffConfig['apis'], extra: Partial<BffConfig> = {}) {
  return createBff({
    baseUrl: origin,
    // Never contacted: these APIs need no user token, and discovery happens on first use only.
    issuer: 'http://127.0.0.1:9',
    clientId: 'bff',
    clientSecret: 'secret',
    cookieSecret: 'a-cookie-secret-of-at-least-32-characters',
    logger: memoryLogger(),
    apis,
    ...transport,
    ...extra,
  });
}

const browserHeaders = {
  'x-csrf': '1',
  'sec-fetch-site': 'same-origin',
  origin,
  cookie: '__Host-cloakroom=Fe26.2*secret-session-seal; other=1',
  authorization: 'Bearer smuggled-by-the-browser',
  accept: 'application/json',
  'content-type': 'application/json',
  'if-none-match': '"v1"',
  'x-request-id': 'req-1',
  'x-internal-admin': 'yes',
  'proxy-authorization': 'Basic Zm9vOmJhcg==',
};

beforeAll(async () => {
  upstream = await startUpstream((request, res) => {
    res.writeHead(201, {
      'content-type': 'application/json',
      'set-cookie': 'upstream=evil; Path=/',
      'x-upstream': 'kept',
      'keep-alive': 'timeout=5',
    });
    res.end(JSON.stringify({ method: request.method, url: request.url }));
  });
});
afterAll(() => upstream.close());

describe.each(TRANSPORTS)('the API proxy, through %s', (_name, config) => {
  beforeAll(() => {
    transport = config;
  });

  it('forwards method, path, query, body and safe headers only', async () => {
    const app = bff({ shop: { baseUrl: `${upstream.url}/v1`, token: 'none' } });
    const response = await app.request('/bff/api/shop/orders/42?expand=items&x=%20y', {
      method: 'PUT',
      headers: browserHeaders,
      body: JSON.stringify({ item: 'hat' }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ method: 'PUT', url: '/v1/orders/42?expand=items&x=%20y' });

    const seen = upstream.requests.at(-1)!;
    expect(seen.body).toBe('{"item":"hat"}');
    expect(seen.headers.accept).toBe('application/json');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['if-none-match']).toBe('"v1"');
    expect(seen.headers['x-request-id']).toBe('req-1');
    // Never upstream: the browser's credentials, our anti-CSRF header, unknown or hop-by-hop headers.
    for (const name of ['cookie', 'x-csrf', 'authorization', 'x-internal-admin', 'proxy-authorization', 'origin', 'sec-fetch-site']) {
      expect(seen.headers, name).not.toHaveProperty(name);
    }
    // Never to the browser: the upstream's cookies, hop-by-hop headers, or any header not allow-listed.
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('keep-alive')).toBeNull();
    expect(response.headers.get('x-upstream')).toBeNull();
  });

  it('forwards extra headers only when the API config names them', async () => {
    const app = bff({ shop: { baseUrl: upstream.url, token: 'none', forwardHeaders: ['X-Internal-Admin'] } });
    await app.request('/bff/api/shop', { headers: browserHeaders });
    expect(upstream.requests.at(-1)!.headers['x-internal-admin']).toBe('yes');
    expect(upstream.requests.at(-1)!.url).toBe('/');
  });

  it('answers 404 unknown_api for an API that is not configured', async () => {
    const app = bff({ shop: { baseUrl: upstream.url, token: 'none' } });
    for (const name of ['nope', 'constructor', '__proto__', 'alert-xss-payload']) {
      const response = await app.request(`/bff/api/${name}/x`, { headers: browserHeaders });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      const body = await response.text();
      expect(JSON.parse(body)).toMatchObject({ status: 404, code: 'unknown_api' });
      expect(body).not.toContain(name); // nothing the request supplied is echoed
    }
  });

  it('refuses paths that would climb out of the API base path', async () => {
    const app = bff({ shop: { baseUrl: `${upstream.url}/v1`, token: 'none' } });
    const before = upstream.requests.length;
    // URL parsing resolves (encoded) dot segments before routing, so those land on another API name;
    // encoded slashes and backslashes survive parsing and would be decoded upstream, so they are refused.
    const cases = [
      ['/bff/api/shop/%2e%2e/admin', 404, 'unknown_api'],
      ['/bff/api/shop/.%2E/admin', 404, 'unknown_api'],
      ['/bff/api/shop/a%2f..%2fadmin', 400, 'invalid_request'],
      ['/bff/api/shop/a%5c..%5cadmin', 400, 'invalid_request'],
      // What some upstreams decode or interpret once more: matrix parameters, double encoding, overlong UTF-8.
      ['/bff/api/shop/..;/admin', 400, 'invalid_request'],
      ['/bff/api/shop/a;jsessionid=x', 400, 'invalid_request'],
      ['/bff/api/shop/%252e%252e%252fadmin', 400, 'invalid_request'],
      ['/bff/api/shop/a%252fadmin', 400, 'invalid_request'],
      ['/bff/api/shop/a%25255cadmin', 400, 'invalid_request'],
      ['/bff/api/shop/%c0%ae%c0%ae/admin', 400, 'invalid_request'],
      ['/bff/api/shop/%ff', 400, 'invalid_request'],
    ] as const;
    for (const [path, status, code] of cases) {
      const response = await app.request(path, { headers: browserHeaders });
      expect(response.status, path).toBe(status);
      expect(await response.json()).toMatchObject({ code });
    }
    expect(upstream.requests.length).toBe(before);
  });

  it('passes ordinary encoded paths through as they came', async () => {
    const app = bff({ shop: { baseUrl: `${upstream.url}/v1`, token: 'none' } });
    for (const path of ['/items/a%20b', '/items/caf%C3%A9', '/items/100%25', '/items/a.b/c..d']) {
      const response = await app.request(`/bff/api/shop${path}`, { headers: browserHeaders });
      expect(response.ok, path).toBe(true);
      expect(upstream.requests.at(-1)!.url).toBe(`/v1${path}`);
    }
  });

  it("passes only safe response headers, so an API cannot act on the app's origin", async () => {
    const hostile = await startUpstream((_request, res) => {
      res
        .writeHead(200, {
          'content-type': 'application/json',
          etag: '"v1"',
          'set-cookie': '__Host-cloakroom=stolen; Path=/; Secure',
          'clear-site-data': '"cookies"',
          refresh: '0; url=https://evil.example/',
          'content-security-policy': "script-src 'unsafe-inline'",
          'access-control-allow-origin': 'https://evil.example',
          'access-control-allow-credentials': 'true',
          link: '<https://evil.example/x.js>; rel=preload; as=script, </docs/next>; rel="next"',
          'x-internal': 'secret-topology',
        })
        .end('{}');
    });
    try {
      const app = bff({
        shop: { baseUrl: hostile.url, token: 'none' },
        open: { baseUrl: hostile.url, token: 'none', responseHeaders: ['X-Internal'] },
      });
      const response = await app.request('/bff/api/shop/x', { headers: browserHeaders });
      expect(response.status).toBe(200);
      for (const name of [
        'set-cookie',
        'clear-site-data',
        'refresh',
        'access-control-allow-origin',
        'access-control-allow-credentials',
        'x-internal',
      ]) {
        expect(response.headers.get(name), name).toBeNull();
      }
      // The BFF's own policy, not the API's.
      expect(response.headers.get('content-security-policy') ?? '').not.toContain('unsafe-inline');
      expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(response.headers.get('link')).toBe('</docs/next>; rel="next"');
      expect(response.headers.get('etag')).toBe('"v1"');
      expect((await app.request('/bff/api/open/x', { headers: browserHeaders })).headers.get('x-internal')).toBe('secret-topology');
      expect(() => bff({ shop: { baseUrl: hostile.url, responseHeaders: ['Set-Cookie'] } })).toThrow(/set-cookie/);
    } finally {
      await hostile.close();
    }
  });

  it('passes a compressed answer on whole: as it came with its encoding, or decoded without it', async () => {
    const json = JSON.stringify({ orders: Array.from({ length: 50 }, (_, id) => ({ id })) });
    const gzipped = gzipSync(json);
    // Compressed although the BFF did not ask for it: the body and its headers must still agree.
    const compressing = await startUpstream((_request, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gzipped.length }).end(gzipped);
    });
    try {
      const response = await bff({ shop: { baseUrl: compressing.url, token: 'none' } }).request('/bff/api/shop/x', {
        headers: browserHeaders,
      });
      const bytes = Buffer.from(await response.arrayBuffer());
      const length = response.headers.get('content-length');
      if (length !== null) expect(Number(length)).toBe(bytes.length);
      const encoding = response.headers.get('content-encoding');
      expect([null, 'gzip']).toContain(encoding);
      expect((encoding === 'gzip' ? gunzipSync(bytes) : bytes).toString()).toBe(json);
    } finally {
      await compressing.close();
    }
  });

  it('keeps per-user answers out of shared caches: Cache-Control private and Vary: Cookie', async () => {
    let cacheControl: string | undefined;
    const cacheable = await startUpstream((_request, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json', ...(cacheControl ? { 'cache-control': cacheControl } : {}), vary: 'Accept' })
        .end('{}');
    });
    try {
      const app = bff({
        shop: { baseUrl: cacheable.url, token: 'none' },
        catalogue: { baseUrl: cacheable.url, token: 'none', privateResponses: false },
      });
      const headersOf = async (api: string, upstreamCacheControl: string | undefined) => {
        cacheControl = upstreamCacheControl;
        return (await app.request(`/bff/api/${api}/x`, { headers: browserHeaders })).headers;
      };
      expect((await headersOf('shop', 'public, max-age=3600, s-maxage=7200')).get('cache-control')).toBe('private, max-age=3600');
      expect((await headersOf('shop', undefined)).get('cache-control')).toBe('private');
      expect((await headersOf('shop', 'no-store')).get('cache-control')).toBe('no-store');
      expect((await headersOf('shop', 'private, max-age=60')).get('vary')).toBe('Accept, Cookie');
      expect((await headersOf('catalogue', 'public, max-age=3600')).get('cache-control')).toBe('public, max-age=3600');
      expect((await headersOf('catalogue', 'public, max-age=3600')).get('vary')).toBe('Accept');
    } finally {
      await cacheable.close();
    }
  });

  it("limits the browser to the API's allowed routes, so injected script cannot reach the rest", async () => {
    const app = bff({
      shop: { baseUrl: `${upstream.url}/v1`, token: 'none', routes: ['GET /orders', 'POST /orders', 'GET /orders/:id', 'GET /docs/*'] },
    });
    const status = async (method: string, path: string) => {
      const before = upstream.requests.length;
      const response = await app.request(`/bff/api/shop${path}`, {
        method,
        headers: browserHeaders,
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      const reached = upstream.requests.length > before;
      if (response.status === 403) {
        expect(await response.json()).toMatchObject({ code: 'route_not_allowed' });
        expect(reached, `${method} ${path} reached the upstream`).toBe(false);
      }
      return response.status;
    };
    for (const [method, path] of [
      ['GET', '/orders'],
      ['HEAD', '/orders'],
      ['POST', '/orders'],
      ['GET', '/orders/42'],
      ['GET', '/docs'],
      ['GET', '/docs/a/b'],
    ]) {
      expect(await status(method!, path!), `${method} ${path}`).toBeLessThan(300);
    }
    for (const [method, path] of [
      ['DELETE', '/orders/42'],
      ['GET', '/admin'],
      ['GET', '/orders/42/secret'],
      ['GET', '/orders/'],
      ['PUT', '/orders'],
      ['GET', ''],
      ['GET', '/ordersx'],
    ]) {
      expect(await status(method!, path!), `${method} ${path}`).toBe(403);
    }
    expect(() => bff({ shop: { baseUrl: upstream.url, routes: ['orders'] } })).toThrow(/METHOD \/path/);
    expect(() => bff({ shop: { baseUrl: upstream.url, routes: ['GET /a*/b'] } })).toThrow(/may only end a path/);
  });

  it('answers 502 upstream_unavailable when the API is down', async () => {
    const down = await startUpstream();
    await down.close();
    const app = bff({ shop: { baseUrl: down.url, token: 'none' } });
    const response = await app.request('/bff/api/shop/x', { headers: browserHeaders });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'upstream_unavailable' });
  });

  it('answers 504 upstream_timeout when the API does not answer in time', async () => {
    const slow = await startUpstream(() => {
      /* never answers */
    });
    try {
      const app = bff({ shop: { baseUrl: slow.url, token: 'none' } }, { timeouts: { upstream: 200 } });
      const response = await app.request('/bff/api/shop/x', { headers: browserHeaders });
      expect(response.status).toBe(504);
      expect(await response.json()).toMatchObject({ code: 'upstream_timeout' });
    } finally {
      await slow.close();
    }
  });

  it('answers 401 login_required for a user-token API without a session, and never calls it', async () => {
    const app = bff({ shop: { baseUrl: upstream.url } });
    const before = upstream.requests.length;
    const response = await app.request('/bff/api/shop/x', { headers: browserHeaders });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'login_required' });
    expect(upstream.requests.length).toBe(before);
  });

  it('calls a user-optional API without a token when nobody is signed in', async () => {
    const app = bff({ shop: { baseUrl: upstream.url, token: 'user-optional' } });
    const response = await app.request('/bff/api/shop/x', { headers: browserHeaders });
    expect(response.status).toBe(201);
    expect(upstream.requests.at(-1)!.headers).not.toHaveProperty('authorization');
  });

  it('refuses a missing X-CSRF header before anything goes upstream', async () => {
    const app = bff({ shop: { baseUrl: upstream.url, token: 'none' } });
    const before = upstream.requests.length;
    const response = await app.request('/bff/api/shop/x', { method: 'POST', headers: { ...browserHeaders, 'x-csrf': '' } });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'csrf_failed' });
    expect(upstream.requests.length).toBe(before);
  });

  it('answers 413 payload_too_large beyond the body limit, declared or streamed', async () => {
    const app = bff({ shop: { baseUrl: upstream.url, token: 'none' } }, { maxBodySize: 16 });
    const declared = await app.request('/bff/api/shop/x', {
      method: 'POST',
      headers: { ...browserHeaders, 'content-length': '17' },
      body: 'x'.repeat(17),
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ code: 'payload_too_large' });

    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(8)));
        controller.close();
      },
    });
    const streamed = await app.request('/bff/api/shop/x', {
      method: 'POST',
      headers: browserHeaders,
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ code: 'payload_too_large' });
  });
});

describe.each(TRANSPORTS)('streaming through the proxy, through %s', (_name, config) => {
  beforeAll(() => {
    transport = config;
  });

  async function serveBff(upstreamUrl: string) {
    const server = serve({ fetch: bff({ stream: { baseUrl: upstreamUrl, token: 'none' } }).fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => ('closeAllConnections' in server && server.closeAllConnections(), server.close(resolve))),
    };
  }
  async function listen(server: ReturnType<typeof createServer>) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const close = (server: ReturnType<typeof createServer>) =>
    new Promise((resolve) => (server.closeAllConnections(), server.close(resolve)));

  it('streams the response: the first chunk arrives before the upstream has finished', async () => {
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const upstreamServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first\n');
      void finished.then(() => res.end('last\n'));
    });
    const proxyServer = await serveBff(await listen(upstreamServer));
    try {
      const response = await fetch(`${proxyServer.url}/bff/api/stream/down`, { headers: { 'x-csrf': '1' } });
      const reader = response.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('first\n');
      finish();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('last\n');
    } finally {
      finish();
      await proxyServer.close();
      await close(upstreamServer);
    }
  });

  it('streams the request: the upstream gets the first chunk before the browser has sent the rest', async () => {
    let firstChunkUpstream!: (chunk: string) => void;
    const upstreamGotFirstChunk = new Promise<string>((resolve) => (firstChunkUpstream = resolve));
    const upstreamServer = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        if (body === '') firstChunkUpstream(chunk.toString());
        body += chunk.toString();
      });
      req.on('end', () => res.writeHead(200).end(body));
    });
    const proxyServer = await serveBff(await listen(upstreamServer));
    try {
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(encoder.encode('one'));
          // The second chunk exists only once the first one has reached the upstream.
          expect(await upstreamGotFirstChunk).toBe('one');
          controller.enqueue(encoder.encode('two'));
          controller.close();
        },
      });
      const response = await fetch(`${proxyServer.url}/bff/api/stream/up`, {
        method: 'POST',
        headers: { 'x-csrf': '1', 'content-type': 'text/plain' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(await response.text()).toBe('onetwo');
    } finally {
      await proxyServer.close();
      await close(upstreamServer);
    }
  });
});
