import { describe, expect, it, vi } from 'vitest';
import { BffError, createBffClient } from '../src/index.js';
import { alice, fakeBff, jsonResponse, problemResponse, signedIn } from '@cloakroom/test-harness/fake-bff';

const MFA = 'urn:cloakroom:acr:mfa';
const TRANSFERS = 'POST /bff/api/orders/transfers';
const stepUpRequired = (extensions: Record<string, unknown>) =>
  problemResponse(401, 'step_up_required', 'Stronger sign-in required', 'The API asks for a stronger or more recent sign-in.', extensions);

/** The query `login()` navigated to. */
const loginQuery = (navigate: ReturnType<typeof vi.fn>) =>
  Object.fromEntries(new URL(navigate.mock.calls.at(-1)![0] as string, 'http://app.test').searchParams);

describe('a step_up_required answer (RFC 9470 behind the BFF)', () => {
  it('rejects with the requirement, and the session stays: no sessionExpired, no sign-out', async () => {
    const bff = fakeBff({
      'GET /bff/session': signedIn,
      [TRANSFERS]: () => stepUpRequired({ acr_values: `${MFA} urn:example:gold`, max_age: 300 }),
    });
    const client = createBffClient({ fetch: bff.fetch });
    await client.refresh();
    const events = vi.fn();
    client.on('sessionExpired', events);
    client.on('signedOut', events);

    const error = await client.bffFetch('/api/orders/transfers', { method: 'POST' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BffError);
    expect(error).toMatchObject({ status: 401, code: 'step_up_required', stepUp: { acrValues: [MFA, 'urn:example:gold'], maxAge: 300 } });
    await Promise.resolve();
    expect(events).not.toHaveBeenCalled();
    expect(client.getSnapshot()).toMatchObject({ status: 'authenticated', user: alice });
    // No retry and no /session refetch: one call each.
    expect(bff.calls.map((call) => `${call.method} ${call.url}`)).toEqual(['GET /bff/session', TRANSFERS]);
  });

  it('reads a requirement without acr_values or max_age, or with members of the wrong type, as far as it goes', async () => {
    const cases: [Record<string, unknown>, unknown][] = [
      [{}, { acrValues: [], maxAge: undefined }],
      [{ max_age: 0 }, { acrValues: [], maxAge: 0 }],
      [
        { acr_values: ['x'], max_age: '300' },
        { acrValues: [], maxAge: undefined },
      ],
      [{ acr_values: ` ${MFA}  ` }, { acrValues: [MFA], maxAge: undefined }],
    ];
    for (const [extensions, stepUp] of cases) {
      const client = createBffClient({ fetch: fakeBff({ [TRANSFERS]: () => stepUpRequired(extensions) }).fetch });
      await expect(client.bffFetch.json('/api/orders/transfers', { method: 'POST', body: {} })).rejects.toMatchObject({ stepUp });
    }
  });

  it('has no requirement on any other error', async () => {
    const client = createBffClient({
      fetch: fakeBff({ [TRANSFERS]: () => problemResponse(403, 'route_not_allowed', 'Not allowed', undefined, { acr_values: MFA }) }).fetch,
    });
    const error = (await client.bffFetch('/api/orders/transfers', { method: 'POST' }).catch((caught: unknown) => caught)) as BffError;
    expect(error.code).toBe('route_not_allowed');
    expect(error.stepUp).toBeUndefined();
  });
});

describe('login() for a step-up', () => {
  it('sends acrValues and maxAge as acr_values and max_age, so the requirement passes as it is', async () => {
    const navigate = vi.fn();
    const client = createBffClient({
      fetch: fakeBff({ [TRANSFERS]: () => stepUpRequired({ acr_values: MFA, max_age: 300 }) }).fetch,
      navigate,
    });
    const error = (await client.bffFetch('/api/orders/transfers', { method: 'POST' }).catch((caught: unknown) => caught)) as BffError;
    client.login({ ...error.stepUp, returnTo: '/transfer' });
    expect(navigate.mock.calls[0]![0]).toMatch(/^\/bff\/login\?/);
    expect(loginQuery(navigate)).toEqual({ returnTo: '/transfer', acr_values: MFA, max_age: '300' });
  });

  it('joins several acr values in order; the step-up names win over the protocol ones, which still work alone', () => {
    const navigate = vi.fn();
    const client = createBffClient({ fetch: fakeBff({}).fetch, navigate });
    client.login({ returnTo: '/', acrValues: [MFA, 'urn:example:gold'], maxAge: 0, acr_values: 'ignored', max_age: 99 });
    expect(loginQuery(navigate)).toEqual({ returnTo: '/', acr_values: `${MFA} urn:example:gold`, max_age: '0' });
    client.login({ returnTo: '/', acrValues: [], acr_values: MFA, max_age: 60, prompt: 'login' });
    expect(loginQuery(navigate)).toEqual({ returnTo: '/', acr_values: MFA, max_age: '60', prompt: 'login' });
    client.login({ returnTo: '/', acrValues: [], maxAge: undefined });
    expect(loginQuery(navigate)).toEqual({ returnTo: '/' });
  });
});

describe('the session state says how and when the user signed in', () => {
  it('has acr and authTime from /session, null when the BFF does not say or says something else', async () => {
    const session = (extra: Record<string, unknown>) => () =>
      jsonResponse({ authenticated: true, user: alice, expiresAt: 1764100000, ...extra });
    const stepped = createBffClient({ fetch: fakeBff({ 'GET /bff/session': session({ acr: MFA, authTime: 1764090000 }) }).fetch });
    expect(await stepped.refresh()).toMatchObject({ status: 'authenticated', acr: MFA, authTime: 1764090000 });

    const plain = createBffClient({ fetch: fakeBff({ 'GET /bff/session': signedIn }).fetch });
    expect(await plain.refresh()).toMatchObject({ status: 'authenticated', acr: null, authTime: null });

    const odd = createBffClient({ fetch: fakeBff({ 'GET /bff/session': session({ acr: 1, authTime: '1764090000' }) }).fetch });
    expect(await odd.refresh()).toMatchObject({ status: 'authenticated', acr: null, authTime: null });
  });

  it('keeps them while a refetch fails, and drops them when the session ends', async () => {
    let answer = () => jsonResponse({ authenticated: true, user: alice, expiresAt: 1764100000, acr: MFA, authTime: 1764090000 });
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/session': () => answer() }).fetch });
    await client.refresh();
    answer = () => problemResponse(503, 'idp_unavailable', 'Down');
    expect(await client.refresh()).toMatchObject({ status: 'error', acr: MFA, authTime: 1764090000 });
    answer = () => jsonResponse({ authenticated: false });
    expect(await client.refresh()).toMatchObject({ status: 'unauthenticated', acr: null, authTime: null });
  });
});
