import { trace } from '@opentelemetry/api';
import type { Session } from '../sessions/session-store.js';
import type { Sessions } from '../sessions/sessions.js';
import { ATTRIBUTES } from './attributes.js';
import type { BffMetrics } from './metrics.js';

/**
 * `sessions`, counting the sessions that start and end (`cloakroom.sessions.active`). Only the ends
 * the BFF makes count: sign-out, back-channel logout, revocation, a refused refresh, a new sign-in in
 * the same browser. A session that runs out (idle timeout, absolute lifetime) just stops being found,
 * so nothing subtracts it; and a stateless session ended by `sub` cannot be counted (its cookie is
 * refused when it comes back, but the BFF holds no list of them).
 */
export function instrumentedSessions(sessions: Sessions, metrics: BffMetrics): Sessions {
  const ended = (gone: Session[]) => {
    if (gone.length > 0) metrics.sessionsChanged(-gone.length);
    trace.getActiveSpan()?.setAttribute(ATTRIBUTES.sessionsEnded, gone.length);
    return gone;
  };
  return {
    ...sessions,
    async start(c, fields) {
      const session = await sessions.start(c, fields);
      metrics.sessionsChanged(1);
      return session;
    },
    async discard(session) {
      await sessions.discard(session);
      metrics.sessionsChanged(-1);
    },
    async end(c, session) {
      await sessions.end(c, session);
      if (session) metrics.sessionsChanged(-1);
    },
    endAllOf: async (sub) => ended(await sessions.endAllOf(sub)),
    endIdpSession: async (sid, sub) => ended(await sessions.endIdpSession(sid, sub)),
  };
}
