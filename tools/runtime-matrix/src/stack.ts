import { startApi, type ApiOptions, type RunningApi } from '@cloakroom/demo-api';
import { bffClient, DEMO_CLIENT_SECRET, ORDERS_API, startIdp, type RunningIdp } from '@cloakroom/idp';
import { recordLogLine, registry } from '@cloakroom/test-harness';
import type { LogSink } from './served-bff.js';

/** A BFF under test, and the dev IdP and the orders API it uses, on Node, in the test's process. */
export interface BffStack {
  /** The BFF's public origin, on `localhost` (the IdP is on 127.0.0.1: another site). */
  readonly origin: string;
  readonly idp: RunningIdp;
  readonly api: RunningApi;
  /** Stops the BFF, the API and the IdP, whichever started. */
  close(): Promise<void>;
}

/** The cookie secret of every BFF a stack starts. */
export const COOKIE_SECRET = 'a-runtime-matrix-cookie-secret-of-32+-chars';

/** Registers how to stop something that just started. */
export type OnStop = (stop: () => Promise<void>) => void;

/**
 * Runs `start`, which starts things in the order it needs and registers a stop for each; answers
 * what `start` answers with `close()`, which stops them all, the last started first. Whatever fails
 * on the way, what had started is stopped and the first error is thrown.
 */
export async function startStopping<T>(start: (onStop: OnStop) => Promise<T>): Promise<T & { close(): Promise<void> }> {
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
    return { ...(await start((stop) => stops.push(stop))), close };
  } catch (error) {
    await close().catch(() => undefined); // the first error is the one to report
    throw error;
  }
}

/**
 * The dev IdP, with the demo BFF client registered for `origin`, and the orders API that takes its
 * tokens (bearer or DPoP-bound ones, unless `tokenBinding` says); their stops go to `onStop`. The
 * BFF's secrets are recorded for the run-wide log scan.
 */
export async function startUpstreams(
  origin: string,
  { accessTokenTtl, tokenBinding }: { accessTokenTtl: number; tokenBinding?: ApiOptions['tokenBinding'] },
  onStop: OnStop,
): Promise<{ idp: RunningIdp; api: RunningApi }> {
  registry.record('cookie secret', COOKIE_SECRET);
  registry.record('client secret', DEMO_CLIENT_SECRET);
  const idp = await startIdp({ port: 0, accessTokenTtl, clients: [bffClient({ origin })] });
  onStop(() => idp.close());
  const api = await startApi({ port: 0, issuer: idp.issuer, audience: ORDERS_API, ...(tokenBinding ? { tokenBinding } : {}) });
  onStop(() => api.close());
  return { idp, api };
}

/**
 * Where a BFF's lines go: all of them to the run-wide log scan; those that are not the BFF's info
 * lines (the runtime's own warnings, the BFF's warnings and errors) to stderr too, labelled, so that
 * what one host complains about shows in the test output.
 */
export function hostLog(label: string): LogSink {
  return (line) => {
    recordLogLine(line);
    if (!line.startsWith('{"level":"info"')) process.stderr.write(`[BFF on ${label}] ${line}\n`);
  };
}
