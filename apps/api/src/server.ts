import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApi } from './app.js';
import type { ApiOptions } from './app.js';

/** Options of {@link startApi}. */
export interface StartApiOptions extends ApiOptions {
  /** Port to listen on; `0` picks a free one. Defaults to 4001. */
  port?: number;
  /** Interface to bind. Defaults to `127.0.0.1`. */
  host?: string;
}

/** A started demo API. */
export interface RunningApi {
  /** Base URL, e.g. `http://127.0.0.1:4001`. */
  readonly url: string;
  readonly port: number;
  /** Stops listening and drops every open connection. */
  close(): Promise<void>;
}

/** Serves {@link createApi} on Node with `@hono/node-server`. */
export function startApi(options: StartApiOptions): Promise<RunningApi> {
  const { port = 4001, host = '127.0.0.1', ...apiOptions } = options;
  const app = createApi(apiOptions);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      server.off('error', reject);
      const urlHost = info.address.includes(':') ? `[${info.address}]` : info.address;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://${urlHost}:${info.port}`,
        port: info.port,
        close() {
          closing ??= new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Keep-alive sockets would otherwise hold close() open for seconds.
            (server as Server).closeAllConnections();
          });
          return closing;
        },
      });
    });
    server.once('error', reject);
  });
}
