import { requestUrl } from '@cloakroom/test-harness';
import { bffClient, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, generateSigningKey, startIdp, type RunningIdp } from '@cloakroom/idp';
import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BffError, ConfigError, createBff, type BffConfig } from '../src/index.js';
import { memoryLogger } from './memory-logger.js';
import { COOKIE_SECRET, startStack } from './stack.js';

const alice = { username: 'alice', password: 'alice-password' };
const APP = 'http://localhost:3000';

let idp: RunningIdp;
beforeAll(async () => {
  idp = await startIdp({ port: 0, clients: [bffClient({ origin: APP })] });
});
afterAll(async () => {
  await idp.close();
});

/** A BFF in this process (no server needed for `ready()` and `app.request`), with a memory logger. */
function bffFor(config: Partial<BffConfig>) {
  const logger = memoryLogger();
  const app = createBff({
    baseUrl: APP,
    issuer: idp.issuer,
    clientId: DEMO_CLIENT_ID,
    clientSecret: DEMO_CLIENT_SECRET,
    cookieSecret: COOKIE_SECRET,
    logger,
    ...config,
  });
  const records = () => logger.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { app, logger, records };
}

/** The parameters the IdP would receive: from the pushed request's body, or the authorization URL. */
async function authorizationRequest(config: Partial<BffConfig>, query = '') {
  const pushed: URLSearchParams[] = [];
  const recordingFetch: typeof fetch = (input, init) => {
    if (requestUrl(input).endsWith('/request')) pushed.push(new URLSearchParams(init?.body as URLSearchParams));
    return fetch(input, init);
  };
  const { app } = bffFor({ ...config, fetch: recordingFetch });
  const response = await app.request(`${APP}/bff/login?returnTo=/${query}`);
  const location = new URL(response.headers.get('location') ?? 'http://none.invalid');
  return { response, location, parameters: pushed[0] ?? location.searchParams };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('ready(): discovery checked against the configuration, failing fast', () => {
  it('resolves for a configuration that fits the IdP', async () => {
    await expect(bffFor({ pushedAuthorizationRequests: true }).app.ready()).resolves.toBeUndefined();
  });

  it('names an issuer spelled otherwise than the IdP spells it, and sign-in answers 502 idp_rejected with a log line saying why', async () => {
    const misspelt = idp.issuer.replace('127.0.0.1', 'localhost');
    const { app, records } = bffFor({ issuer: misspelt });
    const error = await rejection(app.ready());
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: 'issuer' });
    expect((error as Error).message).toContain(`"${idp.issuer}"`);

    const login = await app.request(`${APP}/bff/login`);
    expect(login.status).toBe(502);
    expect(await login.json()).toMatchObject({ code: 'idp_rejected' });
    expect(records()).toContainEqual(
      expect.objectContaining({
        message: 'identity provider request failed',
        operation: 'discovery',
        issuer: misspelt,
        reason: expect.stringContaining(idp.issuer),
      }),
    );
  });

  it('names an issuer URL with no discovery document (HTTP 404)', async () => {
    const { app, records } = bffFor({ issuer: `${idp.issuer}/not-here` });
    const error = await rejection(app.ready());
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/HTTP 404/);
    expect((await app.request(`${APP}/bff/login`)).status).toBe(502);
    expect(records()).toContainEqual(
      expect.objectContaining({ operation: 'discovery', endpoint: `${idp.issuer}/not-here/.well-known/openid-configuration` }),
    );
  });

  it('answers 503 idp_unavailable, not a ConfigError, while the IdP cannot be reached', async () => {
    const down = await startIdp({ port: 0 });
    await down.close();
    const error = await rejection(bffFor({ issuer: down.issuer }).app.ready());
    expect(error).toBeInstanceOf(BffError);
    expect(error).toMatchObject({ status: 503, code: 'idp_unavailable' });
  });
});

describe('authorization request parameters', () => {
  it('sends the request through PAR when the IdP offers it, leaving only a reference in the URL', async () => {
    const { location, parameters } = await authorizationRequest({});
    expect([...location.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(parameters.get('code_challenge_method')).toBe('S256');
  });

  it('puts the parameters in the URL with pushedAuthorizationRequests: false', async () => {
    const { location } = await authorizationRequest({ pushedAuthorizationRequests: false });
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('state')).toBeTruthy();
    expect(location.searchParams.get('request_uri')).toBeNull();
  });

  it('adds static authorization parameters, and the allowed login parameters the app passes', async () => {
    const { response, parameters } = await authorizationRequest(
      { authorizationParameters: { audience: 'https://api.example.com', ui_locales: 'fr' } },
      '&prompt=login&login_hint=alice%40example.com&max_age=300&acr_values=urn%3Amace%3Aincommon%3Aiap%3Asilver&ui_locales=de',
    );
    expect(response.status).toBe(302);
    expect(Object.fromEntries(parameters)).toMatchObject({
      audience: 'https://api.example.com',
      prompt: 'login',
      login_hint: 'alice@example.com',
      max_age: '300',
      acr_values: 'urn:mace:incommon:iap:silver',
      ui_locales: 'de', // the app's choice for this sign-in wins over the static default
    });
  });

  it('refuses a login parameter that is not allowed, or has a bad value, with 400 invalid_request', async () => {
    for (const [config, query] of [
      [{ loginParameters: ['login_hint'] }, '&prompt=login'],
      [{}, '&prompt=bogus'],
      [{}, '&prompt=none%20login'],
      [{}, '&max_age=soon'],
      [{}, `&login_hint=${'x'.repeat(300)}`],
      [{}, '&login_hint=a%0Ab'],
      [{}, '&prompt=login&prompt=consent'],
    ] as const) {
      const { response } = await authorizationRequest(config as Partial<BffConfig>, query);
      expect(response.status, query).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'invalid_request' });
    }
  });

  it('cannot be made to override the protocol parameters from the query', async () => {
    const { parameters } = await authorizationRequest({}, '&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&scope=openid%20admin');
    expect(parameters.get('redirect_uri')).toBe(`${APP}/bff/callback`);
    expect(parameters.get('scope')).not.toContain('admin');
  });
});

describe('a client secret the IdP refuses', () => {
  it('answers sign-in with 502 idp_rejected and logs the OAuth error, not the secret', async () => {
    const { app, records, logger } = bffFor({ clientSecret: 'not-the-secret-of-this-client' });
    const login = await app.request(`${APP}/bff/login`);
    expect(login.status).toBe(502);
    expect(await login.json()).toMatchObject({
      code: 'idp_rejected',
      detail: 'The identity provider refused the request (invalid_client).',
    });
    expect(records()).toContainEqual(
      expect.objectContaining({
        operation: 'pushed_authorization_request',
        endpoint: `${idp.issuer}/request`,
        status: 401,
        error: 'invalid_client',
        error_description: expect.any(String),
      }),
    );
    expect(logger.text()).not.toContain('not-the-secret-of-this-client');
  });

  it('lands the person in the app with idp_rejected (not internal_error) when the code exchange is refused', async () => {
    const stack = await startStack(() => ({}), {
      bff: { clientSecret: 'not-the-secret-of-this-client', pushedAuthorizationRequests: false },
    });
    try {
      const browser = new TestBrowser();
      const { response } = await signIn(browser, `${stack.bff.origin}/bff/login`, alice);
      expect(response.visited.at(-2)).toMatch(new RegExp(`^${stack.bff.origin}/bff/callback\\?`));
      expect(response.url).toBe(`${stack.bff.origin}/?cloakroom_error=idp_rejected`);
      expect(stack.bff.logger.lines.map((line) => JSON.parse(line))).toContainEqual(
        expect.objectContaining({ operation: 'authorization_code_grant', status: 401, error: 'invalid_client' }),
      );
      const session = await browser.fetch(`${stack.bff.origin}/bff/session`, { headers: { 'x-csrf': '1' } });
      expect(await session.json()).toEqual({ authenticated: false });
    } finally {
      await stack.close();
    }
  });
});

describe('IdP signing-key rotation', () => {
  it('signs in with the new key within seconds of an IdP restart, without waiting out a key-set cache', async () => {
    const current = generateSigningKey();
    const stack = await startStack(() => ({}), { idp: { signingKeys: [current] } });
    let restarted: RunningIdp | undefined;
    try {
      await signIn(new TestBrowser(), `${stack.bff.origin}/bff/login`, alice); // the BFF now holds the current key set
      await stack.idp.close();
      restarted = await startIdp({
        port: stack.idp.port,
        clients: [bffClient({ origin: stack.bff.origin })],
        signingKeys: [generateSigningKey()],
      });
      // Past the BFF's refetch cooldown (5 s), far below a minute.
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      const browser = new TestBrowser();
      const { response } = await signIn(browser, `${stack.bff.origin}/bff/login?returnTo=/after`, alice);
      expect(response.url).toBe(`${stack.bff.origin}/after`);
      const session = await browser.fetch(`${stack.bff.origin}/bff/session`, { headers: { 'x-csrf': '1' } });
      expect(await session.json()).toMatchObject({ authenticated: true, user: { sub: 'alice' } });
    } finally {
      await stack.bff.close();
      await (restarted ?? stack.idp).close();
    }
  });
});
