// Runs in the plain Node environment: no window, no document.
import { expect, it, vi } from 'vitest';
import { createBffClient } from '../src/index.js';
import { fakeServer } from '@cloakroom/test-harness/fake-bff';

it('imports and creates a client without a DOM', () => {
  expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
  const client = createBffClient();
  expect(client.getSnapshot().status).toBe('loading');
});

it('has no loginError and reads no URL where there is no page', async () => {
  const client = createBffClient({ fetch: fakeServer().fetch });
  expect((await client.refresh()).loginError).toBeNull();
  client.clearLoginError();
  expect(client.getSnapshot().loginError).toBeNull();
});

it('logs in back to "/" where there is no current page', () => {
  const navigate = vi.fn();
  createBffClient({ navigate }).login();
  expect(navigate).toHaveBeenCalledWith('/bff/login?returnTo=%2F');
});

it('subscribes, loads, ends a session and unsubscribes without a DOM', async () => {
  const bff = fakeServer();
  const client = createBffClient({ fetch: bff.fetch });
  const unsubscribe = client.subscribe(() => {});
  await client.refresh();
  bff.server.user = null;
  await expect(client.bffFetch('/api/orders/orders')).rejects.toMatchObject({ code: 'session_expired' });
  expect(client.getSnapshot().status).toBe('unauthenticated');
  unsubscribe();
});
