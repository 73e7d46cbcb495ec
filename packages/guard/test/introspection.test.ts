import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, ORDERS_API, bffClient, startIdp } from '@cloakroom/idp';
import type { RunningIdp } from '@cloakroom/idp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimsCache } from '../src/claims-cache.js';
import { checkIntrospectionResponse } from '../src/introspection.js';
import type { AccessTokenOptions } from '../src/index.js';
import { freePort, startLoopbackServer } from '@cloakroom/test-harness/loopback';
import {
  ARCHIVE_API,
  LEDGER_API,
  LEDGER_CLIENT,
  LEDGER_CLIENT_METADATA,
  bearer,
  countingFetch,
  expectRefusal,
  idpOptions,
  invalidToken,
  protectedApp,
  sleep,
} from './support.js';
import { clientToken, revokeToken, userTokens } from '@cloakroom/idp/testing';

let idp: RunningIdp;
let counter: ReturnType<typeof countingFetch>;
let api: ReturnType<typeof protectedApp>;
const reasons: string[] = [];
const scopes = { read: 'ledger:read', write: 'ledger:write' };

const ledger = (overrides: Partial<AccessTokenOptions> = {}) =>
  protectedApp(
    {
      issuer: idp.issuer,
      audience: LEDGER_API,
      introspection: { ...LEDGER_CLIENT },
      fetch: counter.fetch,
      onError: (error) => reasons.push(error.message),
      ...overrides,
    },
    scopes,
  );

const ledgerToken = (scope = 'ledger:read ledger:write') => clientToken(idp.issuer, LEDGER_API, scope);

async function expectInvalid(app: ReturnType<typeof protectedApp>, token: string, reason: RegExp) {
  await expectRefusal(await app.request('/read', { headers: bearer(token) }), 401, 'invalid_token', invalidToken(LEDGER_API));
  expect(reasons.at(-1)).toMatch(reason);
}

let app: Awaited<ReturnType<typeof startLoopbackServer>>;

beforeAll(async () => {
  app = await startLoopbackServer((_req, res) => res.writeHead(200).end('app'));
  const origin = app.url.replace('127.0.0.1', 'localhost');
  idp = await startIdp(idpOptions({ clients: [bffClient({ origin }), LEDGER_CLIENT_METADATA] }));
  counter = countingFetch();
  api = ledger();
});

afterAll(async () => {
  await idp.close();
  await app.close();
});

describe('opaque access tokens, by introspection', () => {
  it('accepts a genuine opaque token from the dev IdP, with the introspection response as claims', async () => {
    const token = await ledgerToken();
    expect(token.split('.')).toHaveLength(1);
    const response = await api.request('/read', { headers: bearer(token) });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      active: true,
      iss: idp.issuer,
      aud: LEDGER_API,
      client_id: DEMO_CLIENT_ID,
      scope: 'ledger:read ledger:write',
      token_type: 'Bearer',
    });
    expect((await api.request('/write', { method: 'POST', headers: bearer(token) })).status).toBe(200);
  });

  it('refuses a revoked token (active: false)', async () => {
    const token = await ledgerToken();
    await revokeToken(idp.issuer, token);
    await expectInvalid(api, token, /not active/);
  });

  it('refuses a user access token once the user revoked it, and the refresh token presented as an access token', async () => {
    const { accessToken, refreshToken } = await userTokens(idp.issuer, app.url.replace('127.0.0.1', 'localhost'), {
      scope: 'openid offline_access ledger:read',
      resource: LEDGER_API,
    });
    expect((await api.request('/read', { headers: bearer(accessToken) })).status).toBe(200);
    // Active at the IdP, but not an access token for this API: it has no audience.
    await expectInvalid(api, refreshToken!, /"aud"/);
    await revokeToken(idp.issuer, accessToken);
    // (A fresh guard: the first one has the access token cached; see the cache tests below.)
    await expectInvalid(ledger(), accessToken, /not active/);
  });

  it('refuses an unknown token, and an opaque token for another API', async () => {
    await expectInvalid(api, 'made-up-token-value', /not active/);
    await expectInvalid(api, await clientToken(idp.issuer, ARCHIVE_API, 'archive:read'), /"aud"/);
  });

  it('answers 403 insufficient_scope from the introspected scope', async () => {
    const readOnly = await ledgerToken('ledger:read');
    expect((await api.request('/read', { headers: bearer(readOnly) })).status).toBe(200);
    await expectRefusal(
      await api.request('/write', { method: 'POST', headers: bearer(readOnly) }),
      403,
      'insufficient_scope',
      `Bearer realm="${LEDGER_API}", error="insufficient_scope", scope="ledger:write"`,
    );
  });

  it('authenticates with client_secret_post too', async () => {
    const post = ledger({ introspection: { ...LEDGER_CLIENT, authMethod: 'client_secret_post' } });
    expect((await post.request('/read', { headers: bearer(await ledgerToken()) })).status).toBe(200);
  });

  it('in auto mode, verifies JWT-shaped tokens locally and introspects the others', async () => {
    const auto = protectedApp({ issuer: idp.issuer, audience: [LEDGER_API, ORDERS_API], introspection: { ...LEDGER_CLIENT } });
    expect((await auto.request('/any', { headers: bearer(await ledgerToken()) })).status).toBe(200);
    expect((await auto.request('/any', { headers: bearer(await clientToken(idp.issuer, ORDERS_API, 'orders:read')) })).status).toBe(200);
  });

  it('in opaque mode, refuses a JWT the IdP will not introspect (401, not 503)', async () => {
    const opaqueOnly = ledger({ tokenType: 'opaque', audience: [LEDGER_API, ORDERS_API] });
    await expectInvalid(opaqueOnly, await clientToken(idp.issuer, ORDERS_API, 'orders:read'), /does not introspect/);
  });
});

describe('the introspection cache', () => {
  it('reuses an active response, so a revocation shows only after cacheMaxAge', async () => {
    const cached = ledger({ introspection: { ...LEDGER_CLIENT, cacheMaxAge: 1 } });
    const token = await ledgerToken();
    const before = counter.count('/token/introspection');
    expect((await cached.request('/read', { headers: bearer(token) })).status).toBe(200);
    expect((await cached.request('/read', { headers: bearer(token) })).status).toBe(200);
    expect(counter.count('/token/introspection')).toBe(before + 1);

    await revokeToken(idp.issuer, token);
    expect((await cached.request('/read', { headers: bearer(token) })).status).toBe(200); // the trade-off
    await sleep(1100);
    await expectInvalid(cached, token, /not active/);
  });

  it('shares one introspection between concurrent requests for one token', async () => {
    const fresh = ledger();
    const token = await ledgerToken();
    const before = counter.count('/token/introspection');
    const statuses = await Promise.all(
      Array.from({ length: 5 }, async () => (await fresh.request('/read', { headers: bearer(token) })).status),
    );
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(counter.count('/token/introspection')).toBe(before + 1);
  });

  it('never keeps a response past the token exp', async () => {
    // Not 1 s: exp counts whole seconds, so a 1-second token may have only a moment left when issued.
    const shortLived = await startIdp(idpOptions({ accessTokenTtl: 3 }));
    try {
      const app = protectedApp(
        { issuer: shortLived.issuer, audience: LEDGER_API, introspection: { ...LEDGER_CLIENT, cacheMaxAge: 3600 }, clockTolerance: 0 },
        scopes,
      );
      const token = await clientToken(shortLived.issuer, LEDGER_API, 'ledger:read');
      expect((await app.request('/read', { headers: bearer(token) })).status).toBe(200);
      await sleep(3100);
      expect((await app.request('/read', { headers: bearer(token) })).status).toBe(401);
    } finally {
      await shortLived.close();
    }
  });

  it('is bounded: the least recently used entry goes first, and expired entries are dropped', () => {
    const cache = new ClaimsCache(2);
    const now = 1_000_000;
    cache.set('a', { sub: 'a' }, now + 1000, now);
    cache.set('b', { sub: 'b' }, now + 1000, now);
    expect(cache.get('a', now)).toEqual({ sub: 'a' }); // `b` is now the least recently used
    cache.set('c', { sub: 'c' }, now + 1000, now);
    expect(cache.size).toBe(2);
    expect(cache.get('b', now)).toBeUndefined();
    expect(cache.get('a', now + 999)).toEqual({ sub: 'a' });
    expect(cache.get('a', now + 1000)).toBeUndefined();
    cache.set('d', { sub: 'd' }, now, now); // already expired: not kept
    expect(cache.get('d', now)).toBeUndefined();
  });
});

describe('introspection responses', () => {
  const settings = { issuer: 'https://idp.example', audience: ['https://api.example'], clockTolerance: 5 };
  const now = Math.floor(Date.now() / 1000);
  const active = { active: true, iss: settings.issuer, aud: 'https://api.example', exp: now + 60, token_type: 'Bearer' };

  it('accepts an active, matching response; a DPoP-bound one too (its binding is checked with its proof)', () => {
    expect(checkIntrospectionResponse(active, settings)).toBe(active);
    const dpopBound = { ...active, token_type: 'DPoP', cnf: { jkt: 'thumbprint' } };
    expect(checkIntrospectionResponse(dpopBound, settings)).toBe(dpopBound);
  });

  it.each([
    ['active missing', { ...active, active: undefined }],
    ['active "true" as a string', { ...active, active: 'true' }],
    ['another issuer', { ...active, iss: 'https://idp.attacker.example' }],
    ['no aud', { ...active, aud: undefined }],
    ['another aud', { ...active, aud: ['https://other.example'] }],
    ['expired', { ...active, exp: now - 60 }],
    ['nbf in the future', { ...active, nbf: now + 60 }],
    ['token type DPoP without a key to prove (cnf.jkt)', { ...active, token_type: 'DPoP' }],
    ['a DPoP key (cnf.jkt) with token type Bearer', { ...active, cnf: { jkt: 'x' } }],
    ['another token type', { ...active, token_type: 'N_A' }],
    ['a cnf that is not an object', { ...active, cnf: 'x' }],
    ['a malformed scope', { ...active, scope: 42 }],
  ])('refuses %s', (_name, response) => {
    expect(() => checkIntrospectionResponse(response as Record<string, unknown>, settings)).toThrow(
      expect.objectContaining({ code: 'invalid_token' }),
    );
  });
});

describe('when introspection fails: 503, never 200 and never 401', () => {
  it('answers 503 when the introspection endpoint is unreachable', async () => {
    const down = ledger({ introspection: { ...LEDGER_CLIENT, endpoint: `http://127.0.0.1:${await freePort()}/introspect` } });
    const response = await down.request('/read', { headers: bearer(await ledgerToken()) });
    expect(response.headers.get('retry-after')).toBe('5');
    await expectRefusal(response, 503, 'temporarily_unavailable', null);
  });

  it('answers 503 when our client credentials are refused, or the endpoint errs or hangs', async () => {
    const wrong = ledger({ introspection: { clientId: LEDGER_CLIENT.clientId, clientSecret: 'not-the-secret' } });
    await expectRefusal(await wrong.request('/read', { headers: bearer(await ledgerToken()) }), 503, 'temporarily_unavailable', null);
    expect(reasons.at(-1)).toMatch(/HTTP 401/);

    const broken = await startLoopbackServer((req, res) => {
      if (req.url === '/500') res.writeHead(500).end();
      else if (req.url === '/html') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      // `/hang`: never answers.
    });
    try {
      for (const path of ['/500', '/html', '/hang']) {
        const app = ledger({ timeout: 0.3, introspection: { ...LEDGER_CLIENT, endpoint: `${broken.url}${path}` } });
        await expectRefusal(await app.request('/read', { headers: bearer('some-opaque-token') }), 503, 'temporarily_unavailable', null);
      }
    } finally {
      await broken.close();
    }
  });

  it('answers 503 while the IdP is down, and introspects again once it is back', async () => {
    let other = await startIdp(idpOptions());
    try {
      const token = await clientToken(other.issuer, LEDGER_API, 'ledger:read');
      const app = protectedApp({ issuer: other.issuer, audience: LEDGER_API, introspection: { ...LEDGER_CLIENT, cacheMaxAge: 0 } }, scopes);
      expect((await app.request('/read', { headers: bearer(token) })).status).toBe(200);
      await other.close();
      await expectRefusal(await app.request('/read', { headers: bearer(token) }), 503, 'temporarily_unavailable', null);
      other = await startIdp(idpOptions({ port: other.port }));
      expect((await app.request('/read', { headers: bearer(token) })).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('is refused as configuration when a client cannot authenticate', () => {
    expect(() => ledger({ introspection: { clientId: '', clientSecret: DEMO_CLIENT_SECRET } })).toThrow(TypeError);
    expect(() => ledger({ tokenType: 'opaque', introspection: undefined })).toThrow(TypeError);
  });
});
