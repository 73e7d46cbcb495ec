import { startApi, type RunningApi } from '@cloakroom/demo-api';
import { bffClient, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, ORDERS_API, startIdp, type RunningIdp } from '@cloakroom/idp';
import { recordLogLine, registry } from '@cloakroom/test-harness';
import { CONFIG_PATH, type ConfiguredAnswer, type RuntimeBffConfig } from '../src/child-protocol.js';
import type { Runtime } from '../src/runtimes.js';
import type { LogSink } from '../src/served-bff.js';

const COOKIE_SECRET = 'a-runtime-matrix-cookie-secret-of-32+-chars';

/**
 * Where a runtime's lines go: all of them to the run-wide log scan; those that are not the BFF's
 * info lines (the runtime's own warnings, the BFF's warnings and errors) to stderr too, labelled,
 * so that what one runtime complains about shows in the test output.
 */
function runtimeLog(runtime: Runtime): LogSink {
  return (line) => {
    recordLogLine(line);
    if (!line.startsWith('{"level":"info"')) process.stderr.write(`[BFF on ${runtime.label}] ${line}\n`);
  };
}

/** The dev IdP and the orders API on Node, in this process; the BFF on the runtime under test. */
export interface RuntimeStack {
  /** The BFF's public origin, on `localhost` (the IdP is on 127.0.0.1: another site). */
  readonly origin: string;
  readonly idp: RunningIdp;
  readonly api: RunningApi;
  /** How the BFF's runtime named itself. */
  readonly servedBy: string;
  /** Stops the BFF's runtime, the API and the IdP, whichever started. */
  close(): Promise<void>;
}

/**
 * Starts the stack in the order the origins require: the BFF's runtime first (it picks its port,
 * which the IdP registers in the redirect URIs), then the IdP, the API, and last the BFF's
 * configuration, which names the IdP and the API. What the runtime logs goes to the run-wide log
 * scan. Whatever fails on the way, what had started is stopped.
 */
export async function startRuntimeStack(runtime: Runtime, options: { accessTokenTtl: number }): Promise<RuntimeStack> {
  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    const results = await Promise.allSettled(
      stops
        .splice(0)
        .reverse()
        .map((stop) => stop()),
    );
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    const served = await runtime.serve(runtimeLog(runtime));
    stops.push(served.stop);
    const origin = `http://localhost:${new URL(served.url).port}`;
    const idp = await startIdp({ port: 0, accessTokenTtl: options.accessTokenTtl, clients: [bffClient({ origin })] });
    stops.push(() => idp.close());
    const api = await startApi({ port: 0, issuer: idp.issuer, audience: ORDERS_API });
    stops.push(() => api.close());

    const config: RuntimeBffConfig = {
      baseUrl: origin,
      issuer: idp.issuer,
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      cookieSecret: COOKIE_SECRET,
      apis: { orders: { baseUrl: api.url, scopes: ['orders:read', 'orders:write'], resource: ORDERS_API } },
    };
    registry.record('cookie secret', COOKIE_SECRET);
    registry.record('client secret', DEMO_CLIENT_SECRET);
    const response = await fetch(new URL(CONFIG_PATH, served.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(config),
    });
    if (!response.ok) throw new Error(`the BFF on ${runtime.label} refused its configuration: ${response.status} ${await response.text()}`);
    const { runtime: servedBy } = (await response.json()) as ConfiguredAnswer;
    return { origin, idp, api, servedBy, close };
  } catch (error) {
    await close().catch(() => undefined); // the first error is the one to report
    throw error;
  }
}
