// The BFF on Deno: Deno.serve takes the BFF's fetch handler as it is.
import { createBff } from '@cloakroom/bff';
import { bffConfigFromEnv } from '@cloakroom/example-config';

/** The part of Deno's global this file uses (Deno's own types declare all of it). */
declare const Deno: {
  readonly env: { toObject(): Record<string, string> };
  serve(
    options: { hostname: string; port: number; onListen(address: { hostname: string; port: number }): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
};

const env = Deno.env.toObject();
const bff = createBff(bffConfigFromEnv(env));
// Discover the IdP now: a configuration that does not fit it fails here, not at the first sign-in.
await bff.ready();

Deno.serve(
  {
    hostname: env.HOST ?? '127.0.0.1',
    port: Number(env.PORT ?? 3000),
    onListen: ({ hostname, port }) => console.log(`Listening on http://${hostname}:${port}`),
  },
  bff.fetch,
);
