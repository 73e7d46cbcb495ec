// The BFF on Bun: Bun.serve takes the BFF's fetch handler as it is.
import { createBff } from '@cloakroom/bff';
import { bffConfigFromEnv } from '@cloakroom/example-config';

/** The part of Bun's global this file uses (`bun-types` declares all of it). */
declare const Bun: {
  readonly env: Record<string, string | undefined>;
  serve(options: { hostname: string; port: number; fetch(request: Request): Response | Promise<Response> }): { readonly url: URL };
};

const bff = createBff(bffConfigFromEnv(Bun.env));
// Discover the IdP now: a configuration that does not fit it fails here, not at the first sign-in.
await bff.ready();

// The BFF answers its own routes under /bff; anything else is its 404. To serve an app too, mount it
// in a Hono app (`app.route('/', bff)`) and serve that.
const server = Bun.serve({ hostname: Bun.env.HOST ?? '127.0.0.1', port: Number(Bun.env.PORT ?? 3000), fetch: bff.fetch });
console.log(`Listening on ${server.url.origin}`);
