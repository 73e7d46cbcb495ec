import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { startStack } from '../stack.js';
import { startUpstream, type CapturingUpstream } from '../upstream.js';

/**
 * The dev IdP (oidc-provider) started in "profiles" that imitate the choices of other OpenID
 * Providers: the client authentication they accept, PAR required, no refresh tokens, no end-session
 * or revocation endpoint, profile claims in userinfo only, fewer scopes. For each, the whole life of
 * a session through the BFF, and the configuration error a mismatch gives at `ready()`.
 */

const alice = { username: 'alice', password: 'alice-password' };
const json = { 'x-csrf': '1', accept: 'application/json' };
const ACCESS_TOKEN_TTL = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Stack = Awaited<ReturnType<typeof startStack>>;
type StackOptions = NonNullable<Parameters<typeof startStack>[1]>;

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** A BFF with an `echo` API (no resource indicator) and the dev IdP in the given profile. */
async function profileStack(options: StackOptions): Promise<{ stack: Stack; upstream: CapturingUpstream }> {
  const upstream = await startUpstream();
  running.push(upstream);
  const stack = await startStack(() => ({ echo: { baseUrl: upstream.url } }), {
    ...options,
    idp: { accessTokenTtl: ACCESS_TOKEN_TTL, ...options.idp },
    bff: { refreshMargin: 1, ...options.bff },
  });
  running.push(stack);
  return { stack, upstream };
}

const bearerOf = (upstream: CapturingUpstream) => upstream.requests.at(-1)?.headers.authorization;

/**
 * Sign-in → `/bff/session` → a proxied call → (after the access token expired) a proxied call on a
 * refreshed token → logout, each step asserted. Answers what a profile-specific test looks at.
 */
async function sessionLifecycle({ stack, upstream }: { stack: Stack; upstream: CapturingUpstream }, loginQuery = '') {
  const { origin } = stack.bff;
  const browser = new TestBrowser();
  const { response, visited } = await signIn(browser, `${origin}/bff/login?returnTo=/home${loginQuery}`, alice);
  expect(response.url).toBe(`${origin}/home`);
  const session = (await (await browser.fetch(`${origin}/bff/session`, { headers: json })).json()) as {
    authenticated: boolean;
    user: Record<string, unknown>;
  };
  expect(session).toMatchObject({ authenticated: true, user: { sub: 'alice' } });

  const first = await browser.fetch(`${origin}/bff/api/echo/first`, { headers: json });
  expect(first.status).toBe(200);
  const firstBearer = bearerOf(upstream);
  expect(firstBearer).toMatch(/^Bearer \S+$/);

  await sleep(ACCESS_TOKEN_TTL * 1000);
  const grantsBefore = stack.idp.counts.refreshTokenGrants;
  const second = await browser.fetch(`${origin}/bff/api/echo/second`, { headers: json });
  expect(second.status).toBe(200);
  expect(bearerOf(upstream)).not.toBe(firstBearer);
  expect(stack.idp.counts.refreshTokenGrants).toBe(grantsBefore + 1);

  const logout = await browser.fetch(`${origin}/bff/logout?returnTo=/bye`, { method: 'POST', headers: json });
  expect(logout.status).toBe(200);
  const { endSessionUrl } = (await logout.json()) as { endSessionUrl: string | null };
  expect(await (await browser.fetch(`${origin}/bff/session`, { headers: json })).json()).toEqual({ authenticated: false });
  for (const bearer of [firstBearer, bearerOf(upstream)]) expect(stack.bff.logger.text()).not.toContain(bearer!.slice('Bearer '.length));
  return { session, endSessionUrl, visited };
}

async function configError(stack: Stack): Promise<ConfigError> {
  const error = await stack.bff.app.ready().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

/** An RSA key pair for private_key_jwt: the private JWK (with kid and alg) and its public part. */
function assertionKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  return {
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256' },
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
    pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    kid,
  };
}

describe('an IdP that accepts client_secret_post only', () => {
  const idp = { clientAuthMethods: ['client_secret_post'] };
  const client = { tokenEndpointAuthMethod: 'client_secret_post' };

  it('runs the whole session with clientAuthentication: client_secret_post', async () => {
    await sessionLifecycle(await profileStack({ idp, client, bff: { clientAuthentication: 'client_secret_post' } }));
  });

  it('refuses the default client_secret_basic at ready(), naming the setting and what the IdP lists', async () => {
    const { stack } = await profileStack({ idp, client });
    const error = await configError(stack);
    expect(error.field).toBe('clientAuthentication');
    expect(error.message).toContain('client_secret_post');
    const login = await new TestBrowser().fetch(`${stack.bff.origin}/bff/login`);
    expect(login.status).toBe(502);
    expect(await login.json()).toMatchObject({ code: 'idp_rejected' });
  });
});

describe('an IdP that accepts private_key_jwt only (RFC 7523)', () => {
  const idp = { clientAuthMethods: ['private_key_jwt'] };

  it('runs the whole session with a private JWK, the assertions signed by openid-client', async () => {
    const keys = assertionKeyPair();
    const client = { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [keys.publicJwk] } };
    const stack = await profileStack({
      idp,
      client,
      bff: { clientAuthentication: 'private_key_jwt', clientPrivateKey: { key: keys.privateJwk }, clientSecret: undefined },
    });
    await sessionLifecycle(stack);
    expect(stack.stack.bff.logger.text()).not.toContain(keys.privateJwk.d);
  });

  it('takes a PKCS#8 PEM key with its kid and alg', async () => {
    const keys = assertionKeyPair();
    const client = { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [keys.publicJwk] } };
    const stack = await profileStack({
      idp,
      client,
      bff: { clientAuthentication: 'private_key_jwt', clientPrivateKey: { key: keys.pem, kid: keys.kid, alg: 'RS256' } },
    });
    await sessionLifecycle(stack);
  });

  it('refuses at ready() a key that is not a private key', async () => {
    const keys = assertionKeyPair();
    const client = { tokenEndpointAuthMethod: 'private_key_jwt', jwks: { keys: [keys.publicJwk] } };
    const { stack } = await profileStack({
      idp,
      client,
      bff: { clientAuthentication: 'private_key_jwt', clientPrivateKey: { key: keys.publicJwk } },
    });
    expect((await configError(stack)).field).toBe('clientPrivateKey.key');
    expect(createPrivateKey(keys.pem).type).toBe('private'); // the PEM above is a real private key
  });
});

describe('an IdP that requires pushed authorization requests (RFC 9126)', () => {
  const idp = { pushedAuthorizationRequests: 'required' as const };

  it("runs the whole session with the default 'auto', the browser's URL holding only the request_uri", async () => {
    const { visited } = await sessionLifecycle(await profileStack({ idp }));
    const authorize = new URL(visited.find((url) => /\/auth\?/.test(url))!);
    expect([...authorize.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
  });

  it('refuses pushedAuthorizationRequests: false at ready()', async () => {
    const { stack } = await profileStack({ idp, bff: { pushedAuthorizationRequests: false } });
    expect((await configError(stack)).field).toBe('pushedAuthorizationRequests');
  });

  it('refuses pushedAuthorizationRequests: true against an IdP without PAR', async () => {
    const { stack } = await profileStack({ idp: { pushedAuthorizationRequests: 'off' }, bff: { pushedAuthorizationRequests: true } });
    expect((await configError(stack)).field).toBe('pushedAuthorizationRequests');
  });
});

describe('an IdP that issues no refresh tokens', () => {
  it('serves the session until the access token expires, then ends it with 401 session_expired', async () => {
    const { stack, upstream } = await profileStack({ idp: { refreshTokens: false } });
    const { origin } = stack.bff;
    const browser = new TestBrowser();
    await signIn(browser, `${origin}/bff/login`, alice);
    expect((await browser.fetch(`${origin}/bff/api/echo/x`, { headers: json })).status).toBe(200);
    expect(bearerOf(upstream)).toBeDefined();

    await sleep(ACCESS_TOKEN_TTL * 1000);
    const expired = await browser.fetch(`${origin}/bff/api/echo/x`, { headers: json });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ code: 'session_expired' });
    expect(await (await browser.fetch(`${origin}/bff/session`, { headers: json })).json()).toEqual({ authenticated: false });
    expect(stack.idp.counts.refreshTokenGrants).toBe(0);
  });
});

describe('an IdP with no end-session and no revocation endpoint', () => {
  it('runs the whole session; logout ends it locally and answers endSessionUrl null, with no failed revocation', async () => {
    const stack = await profileStack({ idp: { endSession: false, revocation: false } });
    const { endSessionUrl } = await sessionLifecycle(stack);
    expect(endSessionUrl).toBeNull();
    expect(stack.stack.bff.logger.text()).not.toContain('identity provider request failed');
  });
});

describe('an IdP that puts profile claims in userinfo only', () => {
  const idp = { claimsInIdToken: false };

  it('shows only the ID token claims by default', async () => {
    const { session } = await sessionLifecycle(await profileStack({ idp }));
    expect(session.user).not.toHaveProperty('name');
    expect(session.user).not.toHaveProperty('email');
  });

  it('merges the userinfo claims into the session with userinfo: true', async () => {
    const { session } = await sessionLifecycle(await profileStack({ idp, bff: { userinfo: true } }));
    expect(session.user).toMatchObject({ sub: 'alice', name: 'Alice Anderson', email: 'alice@example.com' });
  });
});

describe('an IdP that supports fewer scopes', () => {
  it('leaves out the default scopes it does not list, says which in the log, and runs the whole session', async () => {
    const stack = await profileStack({
      idp: { scopes: ['openid', 'profile', 'offline_access'] },
      bff: { pushedAuthorizationRequests: false },
    });
    const { visited } = await sessionLifecycle(stack);
    const authorize = new URL(visited.find((url) => /\/auth\?/.test(url))!);
    expect(authorize.searchParams.get('scope')!.split(' ').sort()).toEqual(['offline_access', 'openid', 'profile']);
    expect(stack.stack.bff.logger.lines.map((line) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ message: 'default scopes the identity provider does not support are not requested', scopes: ['email'] }),
    );
  });
});

describe('a public client (token endpoint auth method none), PKCE only', () => {
  it('runs the whole session, asking for consent so that the IdP grants offline_access', async () => {
    const stack = await profileStack({
      client: { tokenEndpointAuthMethod: 'none' },
      bff: { clientAuthentication: 'none', clientSecret: undefined },
    });
    await sessionLifecycle(stack, '&prompt=consent');
  });
});
