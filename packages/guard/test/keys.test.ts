import { ORDERS_API, generateSigningKey, startIdp } from '@cloakroom/idp';
import type { RunningIdp } from '@cloakroom/idp';
import { describe, expect, it } from 'vitest';
import { freePort, startLoopbackServer } from '@cloakroom/test-harness/loopback';
import {
  accessTokenClaims,
  bearer,
  countingFetch,
  expectRefusal,
  idpOptions,
  invalidToken,
  protectedApp,
  restartIdp,
  sign,
  sleep,
} from './support.js';
import { clientToken, decodeJwt } from '@cloakroom/idp/testing';

const unavailable = (response: Response) => expectRefusal(response, 503, 'temporarily_unavailable', null);

describe('key rotation at the IdP', () => {
  it('accepts a new kid after a refetch, and refuses a removed key once the cached JWKS is stale', async () => {
    const [current, next] = [generateSigningKey(), generateSigningKey()];
    const counter = countingFetch();
    let idp: RunningIdp = await startIdp(idpOptions({ signingKeys: [current] }));
    try {
      const api = protectedApp({
        issuer: idp.issuer,
        audience: ORDERS_API,
        typ: 'at+jwt',
        fetch: counter.fetch,
        jwks: { cooldown: 0.2, cacheMaxAge: 1.5 },
      });
      const old = await clientToken(idp.issuer, ORDERS_API, 'orders:read');
      expect(decodeJwt(old).header.kid).toBe(current.kid);
      expect((await api.request('/read', { headers: bearer(old) })).status).toBe(200);
      expect(counter.count('/jwks')).toBe(1);

      // The IdP starts signing with a new key, and still publishes the old one.
      idp = await restartIdp(idp, { signingKeys: [next, current] });
      const fresh = await clientToken(idp.issuer, ORDERS_API, 'orders:read');
      expect(decodeJwt(fresh).header.kid).toBe(next.kid);
      await sleep(250); // past the cooldown
      expect((await api.request('/read', { headers: bearer(fresh) })).status).toBe(200);
      expect(counter.count('/jwks')).toBe(2);
      expect((await api.request('/read', { headers: bearer(old) })).status).toBe(200);
      expect(counter.count('/jwks')).toBe(2);

      // The old key is retired: once the cached copy is stale, tokens signed with it are refused.
      idp = await restartIdp(idp, { signingKeys: [next] });
      await sleep(1600);
      await expectRefusal(await api.request('/read', { headers: bearer(old) }), 401, 'invalid_token', invalidToken(ORDERS_API));
      expect((await api.request('/read', { headers: bearer(fresh) })).status).toBe(200);
      expect(counter.count('/jwks')).toBe(3);
    } finally {
      await idp.close();
    }
  });

  it('bounds the refetches that unknown kids cause to one per cooldown', async () => {
    const key = generateSigningKey();
    const idp = await startIdp(idpOptions({ signingKeys: [key] }));
    try {
      const counter = countingFetch();
      const api = protectedApp({ issuer: idp.issuer, audience: ORDERS_API, fetch: counter.fetch, jwks: { cooldown: 30 } });
      expect((await api.request('/read', { headers: bearer(await sign(accessTokenClaims(idp.issuer, ORDERS_API), key)) })).status).toBe(
        200,
      );
      const forged = await Promise.all(
        Array.from({ length: 20 }, () => sign(accessTokenClaims(idp.issuer, ORDERS_API), { ...key, kid: crypto.randomUUID() })),
      );
      for (const token of forged) {
        await expectRefusal(await api.request('/read', { headers: bearer(token) }), 401, 'invalid_token', invalidToken(ORDERS_API));
      }
      expect(counter.count('/jwks')).toBe(1);
      expect(counter.count('/.well-known/openid-configuration')).toBe(1);
    } finally {
      await idp.close();
    }
  });
});

describe('when keys cannot be had: 503, never 200 and never 401', () => {
  it('answers 503 when the JWKS endpoint is unreachable', async () => {
    const idp = await startIdp(idpOptions());
    try {
      const token = await clientToken(idp.issuer, ORDERS_API, 'orders:read');
      const api = protectedApp({ issuer: idp.issuer, audience: ORDERS_API, jwks: { uri: `http://127.0.0.1:${await freePort()}/jwks` } });
      const response = await api.request('/read', { headers: bearer(token) });
      expect(response.headers.get('retry-after')).toBe('5');
      await unavailable(response);
    } finally {
      await idp.close();
    }
  });

  it('answers 503 when the JWKS endpoint fails, answers garbage, or hangs past the timeout', async () => {
    const idp = await startIdp(idpOptions());
    const broken = await startLoopbackServer((req, res) => {
      if (req.url === '/500') res.writeHead(500).end();
      else if (req.url === '/html') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
      else if (req.url === '/not-a-set') res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":"no"}');
      else if (req.url === '/redirect') res.writeHead(302, { location: `${idp.issuer}/jwks` }).end();
      // `/hang`: never answers.
    });
    try {
      const token = await clientToken(idp.issuer, ORDERS_API, 'orders:read');
      for (const path of ['/500', '/html', '/not-a-set', '/redirect', '/hang']) {
        const api = protectedApp({ issuer: idp.issuer, audience: ORDERS_API, timeout: 0.3, jwks: { uri: `${broken.url}${path}` } });
        await unavailable(await api.request('/read', { headers: bearer(token) }));
      }
    } finally {
      await broken.close();
      await idp.close();
    }
  });

  it('answers 503 when discovery fails, and discovers again once the IdP is back', async () => {
    let idp = await startIdp(idpOptions());
    const { issuer } = idp;
    const token = await clientToken(issuer, ORDERS_API, 'orders:read');
    const warm = protectedApp({ issuer, audience: ORDERS_API, typ: 'at+jwt' });
    const cold = protectedApp({ issuer, audience: ORDERS_API, typ: 'at+jwt' });
    expect((await warm.request('/read', { headers: bearer(token) })).status).toBe(200);
    await idp.close();
    try {
      // Cached keys keep working while the IdP is down; without them, nothing can be checked.
      expect((await warm.request('/read', { headers: bearer(token) })).status).toBe(200);
      await unavailable(await cold.request('/read', { headers: bearer(token) }));
      idp = await restartIdp(idp);
      expect((await cold.request('/read', { headers: bearer(token) })).status).toBe(200);
    } finally {
      await idp.close();
    }
  });

  it('refuses metadata that names another issuer (503: nothing can be trusted from it)', async () => {
    const impostor = await startLoopbackServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: 'https://someone.else', jwks_uri: 'https://someone.else/jwks' }));
    });
    try {
      const api = protectedApp({ issuer: impostor.url, audience: ORDERS_API });
      const token = await sign(accessTokenClaims(impostor.url, ORDERS_API), generateSigningKey());
      await unavailable(await api.request('/read', { headers: bearer(token) }));
    } finally {
      await impostor.close();
    }
  });

  it('falls back to RFC 8414 metadata when there is no OpenID configuration', async () => {
    const key = generateSigningKey();
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicKey } = key;
    let issuer = '';
    const server = await startLoopbackServer((req, res) => {
      const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url === '/.well-known/oauth-authorization-server/tenant') json({ issuer, jwks_uri: `${issuer}/keys` });
      else if (req.url === '/tenant/keys') json({ keys: [publicKey] });
      else res.writeHead(404).end();
    });
    issuer = `${server.url}/tenant`;
    try {
      const api = protectedApp({ issuer, audience: ORDERS_API });
      expect((await api.request('/read', { headers: bearer(await sign(accessTokenClaims(issuer, ORDERS_API), key)) })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
