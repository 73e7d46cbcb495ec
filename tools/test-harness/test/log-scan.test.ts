import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretRegistry, recordingFetch } from '../src/log-scan.js';

const ACCESS_TOKEN = 'opaque-access-token-0123456789abcdef';
const REFRESH_TOKEN = 'opaque-refresh-token-0123456789abcdef';
const CODE = 'an-authorization-code-0123456789';
const CLIENT_SECRET = 'the-client-secret-0123456789';
const SESSION = 'a-session-cookie-value-0123456789';
const DPOP_PROOF = 'a-dpop-proof-for-one-request-0123456789';

let url: string;
const server = createServer((req, res) => {
  if (req.url === '/token') {
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `sid=${SESSION}; HttpOnly` });
    res.end(JSON.stringify({ access_token: ACCESS_TOKEN, refresh_token: REFRESH_TOKEN, token_type: 'Bearer', expires_in: 60 }));
  } else if (req.url === '/authorize') {
    res.writeHead(302, { location: `http://app.example/callback?code=${CODE}&state=abc` }).end();
  } else res.writeHead(204).end();
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the log scan', () => {
  it('records what crosses fetch and finds each of it in logged text, masked', async () => {
    const registry = new SecretRegistry();
    const fetch = recordingFetch(globalThis.fetch, registry);
    const basic = `Basic ${Buffer.from(`bff:${CLIENT_SECRET}`).toString('base64')}`;
    const token = await fetch(`${url}/token`, {
      method: 'POST',
      headers: { authorization: basic },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: CODE, code_verifier: 'a-code-verifier-0123456789' }),
    });
    // The caller still reads the whole answer.
    expect(await token.json()).toMatchObject({ access_token: ACCESS_TOKEN });
    await fetch(`${url}/authorize`, { redirect: 'manual' });
    await fetch(`${url}/api`, { headers: { authorization: `DPoP ${ACCESS_TOKEN}`, dpop: DPOP_PROOF } });

    const leaks = registry.findLeaks(`calling with ${REFRESH_TOKEN}\nsecret=${CLIENT_SECRET} cookie=${SESSION} code ${CODE}`);
    expect(leaks.map((leak) => leak.kind).sort()).toEqual(['authorization code', 'client secret', 'cookie value', 'refresh token']);
    for (const leak of leaks) {
      for (const secret of [REFRESH_TOKEN, CLIENT_SECRET, SESSION, CODE]) expect(leak.excerpt).not.toContain(secret);
    }
    expect(
      registry
        .findLeaks(`the access token ${ACCESS_TOKEN}, its proof ${DPOP_PROOF} and the verifier a-code-verifier-0123456789`)
        .map((leak) => leak.kind)
        .sort(),
    ).toEqual(['DPoP proof', 'access token', 'code verifier']);
  });

  it('finds credential shapes nobody recorded: JWTs, iron seals, private keys', () => {
    const registry = new SecretRegistry();
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
    const text = [
      `{"msg":"refresh","token":"${jwt}"}`,
      'cookie Fe26.2**abc*def*ghi',
      '-----BEGIN PRIVATE KEY-----',
      '{"kty":"RSA","d":"AbCdEfGhIjKlMnOpQrStUvWxYz0123"}',
    ].join('\n');
    expect(registry.findLeaks(text).map((leak) => leak.kind)).toEqual(['JWT', 'iron seal', 'PEM private key', 'private JWK member']);
  });

  it('finds nothing in what a redacting logger writes', () => {
    const registry = new SecretRegistry();
    registry.record('refresh token', REFRESH_TOKEN);
    const line = JSON.stringify({ level: 'info', msg: 'refreshed', token: '[redacted]', sub: 'alice', requestId: crypto.randomUUID() });
    expect(registry.findLeaks(line)).toEqual([]);
  });
});
