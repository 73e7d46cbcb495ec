import type { SessionResponse } from '@cloakroom/protocol';
import type { Handler } from 'hono';
import type { BffDeps } from '../context.js';

/**
 * `GET {basePath}/session`: is someone signed in, who, and until when (epoch seconds: the idle
 * deadline, capped by the absolute lifetime; each request moves it on).
 */
export function session({ sessions }: BffDeps): Handler {
  return async (c) => {
    const current = await sessions.load(c);
    const body: SessionResponse = current
      ? { authenticated: true, user: { sub: current.sub, ...current.claims }, expiresAt: sessions.lifetime.endsAt(current) }
      : { authenticated: false };
    c.header('Cache-Control', 'no-store');
    return c.json(body);
  };
}
