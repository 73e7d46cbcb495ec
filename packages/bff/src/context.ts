import type { ResolvedConfig } from './config.js';
import type { Logger } from './logger.js';
import type { Provider } from './oidc/oidc.js';
import type { ClientTokens } from './oidc/client-tokens.js';
import type { Session } from './sessions/session-store.js';
import type { Sessions } from './sessions/sessions.js';
import type { SendUpstream } from './upstream-client.js';
import type { UserTokens } from './oidc/user-tokens.js';

/** What every route of the BFF is built from. */
export interface BffDeps {
  config: ResolvedConfig;
  provider: Provider;
  sessions: Sessions;
  userTokens: UserTokens;
  clientTokens: ClientTokens;
  logger: Logger;
  fetch: typeof fetch;
  /** How the proxy calls APIs: the configured `fetch`, else undici on Node, else `fetch`. */
  sendUpstream: SendUpstream;
}

/**
 * The BFF's Hono environment: what middleware puts on the context for the handlers after it
 * (`requestId` comes from `hono/request-id`).
 */
export interface BffEnv {
  Variables: {
    /** The request's live session, set by the `loadSession` middleware; `undefined` when nobody is signed in. */
    session: Session | undefined;
  };
}
