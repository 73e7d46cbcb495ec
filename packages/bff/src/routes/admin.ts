import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { BffEnv } from '../context.js';
import { BffError } from '../errors.js';

/** Signs a user out everywhere; answers how many sessions ended. */
export type RevokeUser = (sub: string) => Promise<number>;

/**
 * `POST {basePath}/admin/revoke-user` with `{ "sub": "…" }`: sign-out-everywhere for operators and
 * back-office tools. Mounted only when `admin.token` is configured, behind `hono/bearer-auth` with
 * that credential (compared in constant time); a user's session cookie grants nothing here.
 */
export function admin(token: string, revokeUser: RevokeUser): Hono<BffEnv> {
  return new Hono<BffEnv>().post('/admin/revoke-user', bearerAuth({ token }), async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    const sub = typeof body === 'object' && body !== null && 'sub' in body ? body.sub : undefined;
    if (typeof sub !== 'string' || sub === '') throw new BffError('invalid_request', { detail: 'Expected a JSON body { "sub": "…" }.' });
    c.header('Cache-Control', 'no-store');
    return c.json({ sub, revoked: await revokeUser(sub) });
  });
}
