import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, ORDERS_API } from '@cloakroom/idp';
import { CONFIG_PATH, type ConfiguredAnswer, type RuntimeBffConfig } from '../src/child-protocol.js';
import type { Runtime } from '../src/runtimes.js';
import { COOKIE_SECRET, hostLog, startStopping, startUpstreams, type BffStack } from '../src/stack.js';

/** The stack with the BFF on the runtime under test. */
export interface RuntimeStack extends BffStack {
  /** How the BFF's runtime named itself. */
  readonly servedBy: string;
}

/**
 * Starts the stack in the order the origins require: the BFF's runtime first (it picks its port,
 * which the IdP registers in the redirect URIs), then the IdP, the API, and last the BFF's
 * configuration, which names the IdP and the API. The API takes DPoP-bound tokens only (RFC 9449),
 * so every proxied call proves that the runtime's WebCrypto made the session's key and its proofs.
 */
export function startRuntimeStack(runtime: Runtime, options: { accessTokenTtl: number }): Promise<RuntimeStack> {
  return startStopping(async (onStop) => {
    const served = await runtime.serve(hostLog(runtime.label));
    onStop(() => served.stop());
    const origin = `http://localhost:${new URL(served.url).port}`;
    const { idp, api } = await startUpstreams(origin, { ...options, tokenBinding: 'dpop' }, onStop);

    const config: RuntimeBffConfig = {
      baseUrl: origin,
      issuer: idp.issuer,
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      cookieSecret: COOKIE_SECRET,
      apis: { orders: { baseUrl: api.url, scopes: ['orders:read', 'orders:write'], resource: ORDERS_API, tokenBinding: 'dpop' } },
    };
    const response = await fetch(new URL(CONFIG_PATH, served.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(config),
    });
    if (!response.ok) throw new Error(`the BFF on ${runtime.label} refused its configuration: ${response.status} ${await response.text()}`);
    const { runtime: servedBy } = (await response.json()) as ConfiguredAnswer;
    return { origin, idp, api, servedBy };
  });
}
