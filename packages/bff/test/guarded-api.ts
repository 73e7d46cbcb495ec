import { requireAccessToken, type AccessTokenEnv, type DpopOptions, type TokenBinding } from '@cloakroom/guard';
import { startLoopbackServer, type LoopbackServer } from '@cloakroom/test-harness/loopback';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';

/** What reached an API: the request line and its credentials, before the guard looked at them. */
export interface Arrival {
  method: string;
  url: string;
  authorization: string | undefined;
  dpop: string | undefined;
}

/** An API behind `@cloakroom/guard` on a loopback port, recording what reaches it; guarded once the IdP is known. */
export interface GuardedApi extends LoopbackServer {
  arrivals: Arrival[];
  guard(issuer: string): void;
  /** The credentials of the last request that reached it. */
  last(): Arrival;
}

export async function startGuardedApi(audience: string, tokenBinding: TokenBinding, dpop?: DpopOptions): Promise<GuardedApi> {
  const arrivals: Arrival[] = [];
  let listener: ReturnType<typeof getRequestListener> | undefined;
  const server = await startLoopbackServer((req, res) => void listener!(req, res));
  return {
    ...server,
    arrivals,
    guard(issuer) {
      const app = new Hono<AccessTokenEnv>()
        .use(async (c, next) => {
          arrivals.push({ method: c.req.method, url: c.req.url, authorization: c.req.header('authorization'), dpop: c.req.header('dpop') });
          await next();
        })
        .use(requireAccessToken({ issuer, audience, typ: 'at+jwt', tokenBinding, ...(dpop ? { dpop } : {}) }))
        .get('/orders', (c) => c.json({ sub: c.get('token').sub ?? null }))
        .post('/orders', async (c) => c.json({ sub: c.get('token').sub ?? null, order: await c.req.json<unknown>() }, 201));
      listener = getRequestListener(app.fetch);
    },
    last: () => arrivals.at(-1)!,
  };
}
