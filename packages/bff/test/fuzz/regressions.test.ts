import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBff } from '../../src/index.js';
import { memoryLogger } from '../memory-logger.js';
import { startStack } from '../stack.js';
import { startUpstream, type CapturingUpstream } from '../upstream.js';

/**
 * Minimised cases that the property-based tests in this folder found. Each one names what it
 * showed; each failed before its fix.
 */

let stack: Awaited<ReturnType<typeof startStack>>;
let upstream: CapturingUpstream;
beforeAll(async () => {
  [stack, upstream] = await Promise.all([startStack(() => ({})), startUpstream()]);
});
afterAll(async () => {
  await stack.close();
  await upstream.close();
});

describe('fuzz regressions', () => {
  it('FUZZ-1: a returnTo within MAX_RETURN_TO_LENGTH never makes a login cookie larger than browsers keep (4096 bytes)', async () => {
    // 1001 characters, under the 2048 limit; percent-encoded it is 6001, and the sealed cookie ~16 KB,
    // which browsers drop: the sign-in then ends in "no sign-in is in progress". Either refuse it
    // (400 invalid_request: measure the normalised path, not the input) or keep the cookie small.
    const response = await stack.bff.app.request(
      `${stack.bff.origin}/bff/login?${new URLSearchParams({ returnTo: `/${'é'.repeat(1000)}` })}`,
      {
        headers: { 'sec-fetch-mode': 'cors' },
      },
    );
    expect(response.status).toBeLessThan(500);
    for (const line of response.headers.getSetCookie()) {
      const nameAndValue = line.split(';')[0]!;
      expect(new TextEncoder().encode(nameAndValue).byteLength, nameAndValue.slice(0, 40)).toBeLessThanOrEqual(4096);
    }
  });

  it('FUZZ-2: a login parameter that the IdP refuses at the PAR endpoint is a 4xx for a fetch, not 502 idp_rejected', async () => {
    // The dev IdP does not support prompt=create (nor "select_account login"); the pushed
    // authorization request is refused with invalid_request, which the BFF passes on as a 5xx.
    for (const prompt of ['create', 'select_account login']) {
      const response = await stack.bff.app.request(`${stack.bff.origin}/bff/login?${new URLSearchParams({ prompt })}`, {
        headers: { 'sec-fetch-mode': 'cors' },
      });
      expect(response.status, `prompt=${prompt}: ${await response.clone().text()}`).toBeLessThan(500);
    }
  });

  it('FUZZ-3: a stray % one decoding level down does not switch off the checks of the deeper levels', async () => {
    // upstreamUrl decodes level by level and checks each; when a level is not valid percent-encoding
    // (here: a lone "%" that "%25" decoded into, or an overlong UTF-8 sequence), it stops and sends the
    // path on unchecked below that level. An upstream that decodes again, leniently (leaving a lone
    // "%" alone, as most do), then reads a path that climbs out of /v1:
    const cases = [
      // twice decoded: /v1/..;/x%   (Tomcat and Jetty read "..;" as "..")
      '%252e%252e%253b/x%25',
      // twice decoded: /v1/..%/..;/
      '..%25/%252E%252E%253B/',
      // three times decoded: /v1/../x%
      '%25252e%25252e/x%25',
      // twice decoded by a decoder that accepts overlong UTF-8: /v1/../admin
      '%25c0%25ae%25c0%25ae/admin',
      '..%25c0%25afadmin',
    ];
    const app = createBff({
      baseUrl: 'http://localhost:3000',
      issuer: 'http://127.0.0.1:9',
      clientId: 'bff',
      clientSecret: 'secret',
      cookieSecret: 'a-cookie-secret-of-at-least-32-characters',
      logger: memoryLogger(),
      apis: { shop: { baseUrl: `${upstream.url}/v1`, token: 'none' } },
    });
    // Without the stray "%25", the same paths are refused today: it is what switches the checks off.
    for (const path of ['%252e%252e%253b/x', '%25252e%25252e/x']) {
      expect((await app.request(`http://localhost:3000/bff/api/shop/${path}`, { headers: { 'x-csrf': '1' } })).status, path).toBe(400);
    }
    const before = upstream.requests.length;
    const answers: Record<string, number> = {};
    for (const path of cases)
      answers[path] = (await app.request(`http://localhost:3000/bff/api/shop/${path}`, { headers: { 'x-csrf': '1' } })).status;
    expect(answers).toEqual(Object.fromEntries(cases.map((path) => [path, 400])));
    expect(upstream.requests.slice(before).map((request) => request.url)).toEqual([]);
  });
});
