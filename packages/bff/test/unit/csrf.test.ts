import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { requireCsrfHeader } from '../../src/csrf.js';
import { problem, type BffError } from '../../src/errors.js';

const origin = 'http://localhost:3000';
const app = new Hono();
app.onError((error, c) => problem(c, error as BffError));
app.all('/x', requireCsrfHeader(origin), (c) => c.text('ok'));

async function status(headers: Record<string, string>, method = 'GET') {
  const response = await app.request('/x', { method, headers });
  return { status: response.status, code: response.status === 200 ? undefined : ((await response.json()) as { code: string }).code };
}

describe('requireCsrfHeader', () => {
  it('lets a same-origin fetch with X-CSRF: 1 through', async () => {
    expect(await status({ 'x-csrf': '1', 'sec-fetch-site': 'same-origin', origin })).toEqual({ status: 200, code: undefined });
    expect(await status({ 'x-csrf': '1' }, 'POST')).toEqual({ status: 200, code: undefined });
  });

  it.each(['GET', 'POST', 'DELETE'])('refuses %s without the header', async (method) => {
    expect(await status({ 'sec-fetch-site': 'same-origin' }, method)).toEqual({ status: 403, code: 'csrf_failed' });
    expect(await status({ 'x-csrf': '0' }, method)).toEqual({ status: 403, code: 'csrf_failed' });
  });

  it('refuses what the browser marks as cross-site or same-site, even with the header', async () => {
    expect(await status({ 'x-csrf': '1', 'sec-fetch-site': 'cross-site' })).toEqual({ status: 403, code: 'csrf_failed' });
    expect(await status({ 'x-csrf': '1', 'sec-fetch-site': 'same-site' })).toEqual({ status: 403, code: 'csrf_failed' });
  });

  it('names the origin it expected, so that a misconfigured baseUrl is found at once', async () => {
    const response = await app.request('/x', { method: 'POST', headers: { 'x-csrf': '1', origin: 'http://localhost:5173' } });
    expect(await response.json()).toMatchObject({
      code: 'csrf_failed',
      detail: 'The request comes from the origin "http://localhost:5173"; this BFF expects http://localhost:3000 (its baseUrl).',
    });
  });

  it('refuses a foreign Origin, even with the header', async () => {
    expect(await status({ 'x-csrf': '1', origin: 'https://evil.example' }, 'POST')).toEqual({ status: 403, code: 'csrf_failed' });
    expect(await status({ 'x-csrf': '1', origin: 'http://localhost:3001' }, 'POST')).toEqual({ status: 403, code: 'csrf_failed' });
  });
});
