import { describe, expect, it } from 'vitest';
import { BffError, createBffClient } from '../src/index.js';
import { fakeBff, jsonResponse, problemResponse, signedIn } from '@cloakroom/test-harness/fake-bff';

const orders = [{ id: '1', item: 'Coat', createdAt: '2025-01-01T00:00:00Z' }];

describe('bffFetch', () => {
  it('sends X-CSRF: 1 and same-origin credentials on every call, /session included', async () => {
    const bff = fakeBff({ 'GET /bff/session': signedIn, 'GET /bff/api/orders/orders': () => jsonResponse(orders) });
    const client = createBffClient({ fetch: bff.fetch });
    await client.refresh();
    await client.bffFetch('/api/orders/orders', { headers: { 'X-Extra': 'kept' }, credentials: 'include' });

    expect(bff.calls).toHaveLength(2);
    for (const call of bff.calls) {
      expect(call.headers.get('X-CSRF')).toBe('1');
      expect(call.credentials).toBe('same-origin');
    }
    expect(bff.calls[1]?.headers.get('X-Extra')).toBe('kept');
  });

  it('resolves paths relative to the base path, and accepts paths already under it', async () => {
    const bff = fakeBff({});
    const client = createBffClient({ fetch: bff.fetch, basePath: '/auth/' });
    await client.bffFetch('/api/orders/orders?x=1');
    await client.bffFetch('/auth/api/orders/orders');
    await client.bffFetch('/authors');
    expect(bff.calls.map((call) => call.url)).toEqual(['/auth/api/orders/orders?x=1', '/auth/api/orders/orders', '/auth/authors']);
  });

  it('refuses anything but a same-origin path, so the cookie and header never leave the BFF', async () => {
    const bff = fakeBff({});
    const client = createBffClient({ fetch: bff.fetch });
    await expect(client.bffFetch('https://evil.example/api')).rejects.toThrow(TypeError);
    await expect(client.bffFetch('//evil.example/api')).rejects.toThrow(TypeError);
    await expect(client.bffFetch('api/orders')).rejects.toThrow(TypeError);
    expect(bff.calls).toHaveLength(0);
  });

  it('moves the session to unauthenticated on 401 session_expired, and throws', async () => {
    const bff = fakeBff({
      'GET /bff/session': signedIn,
      'GET /bff/api/orders/orders': () => problemResponse(401, 'session_expired', 'Session expired'),
    });
    const client = createBffClient({ fetch: bff.fetch });
    await client.refresh();

    await expect(client.bffFetch('/api/orders/orders')).rejects.toMatchObject({ status: 401, code: 'session_expired' });
    expect(client.getSnapshot()).toMatchObject({ status: 'unauthenticated', user: null });
  });

  it('throws a BffError with status, code, title and detail for other problems, keeping the session', async () => {
    const bff = fakeBff({
      'GET /bff/session': signedIn,
      'GET /bff/api/nope/x': () => problemResponse(404, 'unknown_api', 'Unknown API', 'No API named "nope"'),
    });
    const client = createBffClient({ fetch: bff.fetch });
    await client.refresh();

    const error: unknown = await client.bffFetch('/api/nope/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BffError);
    expect(error).toMatchObject({ status: 404, code: 'unknown_api', title: 'Unknown API', detail: 'No API named "nope"' });
    expect(client.getSnapshot().status).toBe('authenticated');
  });

  it('returns non-problem error responses for the caller to read', async () => {
    const client = createBffClient({ fetch: fakeBff({ 'GET /bff/api/orders/x': () => jsonResponse({ msg: 'no' }, 404) }).fetch });
    const response = await client.bffFetch('/api/orders/x');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ msg: 'no' });
  });

  it('lets a caller abort, with the abort error as plain fetch gives it', async () => {
    const controller = new AbortController();
    const client = createBffClient({
      fetch: (_url, init) =>
        new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error))),
    });
    const pending = client.bffFetch('/api/orders/orders', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('bffFetch.json', () => {
  it('reads JSON', async () => {
    const bff = fakeBff({ 'GET /bff/api/orders/orders': () => jsonResponse(orders) });
    const client = createBffClient({ fetch: bff.fetch });
    expect(await client.bffFetch.json<typeof orders>('/api/orders/orders')).toEqual(orders);
    expect(bff.calls[0]?.headers.get('Accept')).toBe('application/json');
  });

  it('sends the body as JSON', async () => {
    const bff = fakeBff({
      'POST /bff/api/orders/orders': (call) => jsonResponse({ id: '2', ...(JSON.parse(call.body ?? '') as object) }, 201),
    });
    const client = createBffClient({ fetch: bff.fetch });
    const created = await client.bffFetch.json('/api/orders/orders', { method: 'POST', body: { item: 'Hat' } });
    expect(created).toEqual({ id: '2', item: 'Hat' });
    expect(bff.calls[0]?.headers.get('Content-Type')).toBe('application/json');
    expect(bff.calls[0]?.headers.get('X-CSRF')).toBe('1');
  });

  it('throws http_error on a non-2xx answer that is not a problem', async () => {
    const client = createBffClient({ fetch: fakeBff({}).fetch });
    await expect(client.bffFetch.json('/api/orders/missing')).rejects.toMatchObject({ status: 404, code: 'http_error' });
  });

  it('throws the problem as a BffError', async () => {
    const client = createBffClient({
      fetch: fakeBff({ 'GET /bff/api/orders/orders': () => problemResponse(502, 'upstream_unavailable', 'Upstream down') }).fetch,
    });
    await expect(client.bffFetch.json('/api/orders/orders')).rejects.toMatchObject({ status: 502, code: 'upstream_unavailable' });
  });

  it('resolves undefined for an empty body', async () => {
    const client = createBffClient({
      fetch: fakeBff({ 'DELETE /bff/api/orders/orders/1': () => new Response(null, { status: 204 }) }).fetch,
    });
    expect(await client.bffFetch.json('/api/orders/orders/1', { method: 'DELETE' })).toBeUndefined();
  });
});
