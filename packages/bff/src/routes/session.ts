import type { SessionResponse } from '@cloakroom/protocol';
import { Hono } from 'hono';
import type { BffDeps, BffEnv } from '../context.js';
import { requireCsrfHeader } from '../csrf.js';
import { loadSession } from '../load-session.js';

/**
 * `GET {basePath}/session`: is someone signed in, who, until when (epoch seconds: the idle deadline,
 * capped by the absolute lifetime; each request moves it on), and how and when they authenticated
 * (`acr`, `authTime`, where the IdP said).
 */
export function session({ config, sessions }: BffDeps): Hono<BffEnv> {
  return new Hono<BffEnv>().get('/session', requireCsrfHeader(config.origin), loadSession(sessions), (c) => {
    const current = c.var.session;
    const body: SessionResponse = current
      ? {
          authenticated: true,
          user: { sub: current.sub, ...current.claims },
          expiresAt: sessions.lifetime.endsAt(current),
          ...(current.acr !== undefined ? { acr: current.acr } : {}),
          ...(current.authTime !== undefined ? { authTime: current.authTime } : {}),
        }
      : { authenticated: false };
    c.header('Cache-Control', 'no-store');
    return c.json(body);
  });
}
