import { createBff, type Bff } from '@cloakroom/bff';
import { CONFIG_PATH, type ConfiguredAnswer, type RuntimeBffConfig } from './child-protocol.js';

/**
 * The fetch handler every runtime's entry serves. The BFF's origin holds the port the runtime picked
 * (`port: 0`), and the IdP must know that origin before the BFF can be configured with the IdP's
 * issuer: so the child listens first and is configured afterwards, once, with `POST {CONFIG_PATH}`.
 * Until then every other request is a 503.
 *
 * @param runtime how the runtime names itself (`bun 1.4.5`), answered to the configuration so that
 * the test knows which runtime actually serves.
 */
export function configurableBff(runtime: string): (request: Request) => Promise<Response> {
  let bff: Bff | undefined;
  return async (request) => {
    if (bff) return bff.fetch(request);
    if (request.method !== 'POST' || new URL(request.url).pathname !== CONFIG_PATH) {
      return new Response('not configured yet', { status: 503 });
    }
    try {
      bff = createBff((await request.json()) as RuntimeBffConfig);
    } catch (error) {
      return new Response(error instanceof Error ? error.message : 'configuration failed', { status: 500 });
    }
    return Response.json({ runtime } satisfies ConfiguredAnswer);
  };
}
