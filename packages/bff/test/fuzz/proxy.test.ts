import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBff, type Bff } from '../../src/index.js';
import { FORWARDED_REQUEST_HEADERS } from '../../src/proxy.js';
import { memoryLogger } from '../memory-logger.js';
import { startUpstream, type CapturedRequest, type CapturingUpstream } from '../upstream.js';
import { anyString, decodeFully, fuzzPath, headerValue, pathPiece, token } from './arbitraries.js';

/**
 * Property-based tests of the API proxy against a live upstream: whatever path and headers the
 * browser sends, the BFF itself never answers 5xx; whatever reaches the upstream stays under the
 * API's base path at every level of percent-decoding, and carries only allow-listed headers.
 */

const origin = 'http://localhost:3000';
const EXTRA_FORWARDED = 'x-tenant';
let upstream: CapturingUpstream;
let app: Bff;
/** What undici and hono/proxy put on every upstream request by themselves (no browser header at all). */
let baseline: CapturedRequest['headers'];

beforeAll(async () => {
  upstream = await startUpstream();
  app = createBff({
    baseUrl: origin,
    // Never contacted: these APIs need no user token, and discovery happens on first use only.
    issuer: 'http://127.0.0.1:9',
    clientId: 'bff',
    clientSecret: 'secret',
    cookieSecret: 'a-cookie-secret-of-at-least-32-characters',
    logger: memoryLogger(),
    apis: {
      shop: { baseUrl: `${upstream.url}/v1`, token: 'none' },
      open: { baseUrl: `${upstream.url}/v1/`, token: 'user-optional' },
      tenant: { baseUrl: `${upstream.url}/v1`, token: 'none', forwardHeaders: [EXTRA_FORWARDED] },
    },
  });
  const response = await app.request('/bff/api/shop/baseline', { headers: { 'x-csrf': '1' } });
  expect(response.status).toBe(200);
  baseline = upstream.requests.at(-1)!.headers;
});
afterAll(() => upstream.close());

/** Headers a browser or an attacker might send: the allow-list, credentials, hop-by-hop, spoofing, anything. */
const headerName = fc.oneof(
  fc.constantFrom(...FORWARDED_REQUEST_HEADERS, EXTRA_FORWARDED),
  fc.constantFrom(
    'cookie',
    'x-csrf',
    'authorization',
    'proxy-authorization',
    'host',
    'x-forwarded-for',
    'x-forwarded-host',
    'x-forwarded-proto',
    'forwarded',
    'x-real-ip',
    'x-original-url',
    'x-rewrite-url',
    'x-http-method-override',
    'connection',
    'keep-alive',
    'te',
    'trailer',
    'upgrade',
    'via',
    'content-length',
    'expect',
    'user-agent',
    'referer',
    'accept-encoding',
    'sec-fetch-mode',
    'sec-fetch-dest',
    'x-internal-admin',
    'x-api-key',
    'Cookie',
    'AUTHORIZATION',
    'X-Csrf',
    'Accept',
    'Content-Type',
  ),
  token(),
);

/** The API name segment, as written in the URL: the real name, or encoded, cased or appended variants of it. */
const apiName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('shop', 'open', 'tenant') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '%73hop',
      'SHOP',
      'shop%2f..',
      'shop;x',
      'shop%00',
      '',
      '.',
      '..',
      '%2e%2e',
      'constructor',
      '__proto__',
      'shop\\..',
      'sh%6fp',
    ),
  },
  { weight: 1, arbitrary: pathPiece },
);

/**
 * Fetch §4.5 (HTTP-network-or-cache fetch): a conditional request goes out with cache mode no-store,
 * hence `Pragma`/`Cache-Control: no-cache`; a `Range` request with `Accept-Encoding: identity`.
 */
const CONDITIONAL = ['if-modified-since', 'if-none-match', 'if-unmodified-since', 'if-match', 'if-range'];
const NO_CACHE: Record<string, string> = { pragma: 'no-cache', 'cache-control': 'no-cache' };

const method = fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS');

/** Does the upstream's path, at some level of (lenient) percent-decoding, climb out of its base? */
function climbsOut(path: string): boolean {
  const decoded = decodeFully(path);
  if (!(decoded === '/v1' || decoded.startsWith('/v1/'))) return true;
  return decoded.split('/').some((segment) => /^\.\.(;.*)?$/.test(segment)) || decoded.includes('\\');
}

describe('the API proxy (property)', () => {
  it('never answers 5xx itself; the upstream sees only paths under its base and allow-listed headers', async () => {
    let reached = 0;
    await fc.assert(
      fc.asyncProperty(
        apiName,
        fuzzPath,
        fc.oneof(
          fc.constant(''),
          fc.webQueryParameters().map((query) => `?${query}`),
          anyString(30).map((query) => `?${query}`),
        ),
        method,
        fc.dictionary(headerName, headerValue(), { maxKeys: 8 }),
        fc.option(anyString(100), { nil: undefined }),
        async (name, path, query, verb, fuzzedHeaders, body) => {
          const headers = new Headers();
          let request: Request;
          try {
            for (const [header, value] of Object.entries(fuzzedHeaders)) headers.append(header, value);
            // The anti-CSRF checks pass, so that the request can reach the upstream.
            headers.set('x-csrf', '1');
            headers.set('origin', origin);
            headers.set('sec-fetch-site', 'same-origin');
            headers.delete('content-length');
            request = new Request(`${origin}/bff/api/${name}/${path}${query}`, {
              method: verb,
              headers,
              ...(body !== undefined && verb !== 'GET' && verb !== 'HEAD' ? { body } : {}),
            });
          } catch (error) {
            // A URL or header the client itself cannot build never reaches the BFF.
            fc.pre(!(error instanceof TypeError));
            throw error;
          }
          const before = upstream.requests.length;
          const response = await app.request(request);
          await response.arrayBuffer();
          expect(response.status).toBeLessThan(500);
          const sent = upstream.requests.slice(before);
          // It reached the upstream (the echo's 200) or was refused before, never half of each.
          expect(sent.length).toBe(response.status === 200 ? 1 : 0);
          if (sent.length === 0) return;
          reached++;
          const seen = sent[0]!;
          expect(seen.method).toBe(verb);
          const upstreamPath = seen.url.split('?')[0]!;
          expect(upstreamPath === '/v1' || upstreamPath.startsWith('/v1/')).toBe(true);
          expect(climbsOut(upstreamPath), `${upstreamPath} climbs out of /v1`).toBe(false);

          const apiForwards = new URL(request.url).pathname.startsWith('/bff/api/tenant') ? [EXTRA_FORWARDED] : [];
          for (const [header, value] of Object.entries(seen.headers)) {
            if (['cookie', 'x-csrf', 'authorization', 'proxy-authorization'].includes(header))
              expect.unreachable(`${header} reached the upstream`);
            if ([...FORWARDED_REQUEST_HEADERS, ...apiForwards].includes(header) && request.headers.has(header)) {
              expect(value, header).toBe(request.headers.get(header));
            } else if (header !== 'content-length' && header !== 'transfer-encoding') {
              // Not the browser's: what undici and hono/proxy always send, unchanged by the browser;
              // and what the fetch standard adds for a conditional or a range request.
              if (NO_CACHE[header] === value && CONDITIONAL.some((name) => request.headers.has(name))) continue;
              if (header === 'accept-encoding' && value === 'identity' && request.headers.has('range')) continue;
              // Connection management is undici's own (keep-alive, or close for some requests).
              if (header === 'connection' && ['keep-alive', 'close'].includes(value as string)) continue;
              expect(baseline[header], header).toBe(value);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
    // A good share of the runs reached the upstream, so its checks above are not vacuous.
    expect(reached).toBeGreaterThan(30);
  });
});
