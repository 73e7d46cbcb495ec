import type { Context, MiddlewareHandler } from 'hono';
import type { BffEnv } from './context.js';
import type { Sessions } from './sessions/sessions.js';

/**
 * Loads the browser's session once, for the handlers after it (`c.var.session`), moving its idle
 * deadline on. With `when`, only requests it accepts read the session store (an API that sends no
 * user token needs none); the others see no session.
 */
export function loadSession<E extends BffEnv>(sessions: Sessions, when?: (c: Context<E>) => boolean): MiddlewareHandler<E> {
  return async (c, next) => {
    c.set('session', when && !when(c) ? undefined : await sessions.load(c));
    await next();
  };
}
