// The BFF on Node, served by @hono/node-server.
import { createBff } from '@cloakroom/bff';
import { bffConfigFromEnv } from '@cloakroom/example-config';
import { serve } from '@hono/node-server';

const bff = createBff(bffConfigFromEnv(process.env));
// Discover the IdP now: a configuration that does not fit it fails here, not at the first sign-in.
await bff.ready();

// The BFF answers its own routes under /bff; anything else is its 404. To serve your app too, mount
// the BFF in a Hono app (`app.route('/', bff)`) beside your routes and static files, and serve that.
const server = serve({ fetch: bff.fetch, hostname: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 3000) }, (address) =>
  console.log(`Listening on http://${address.address}:${address.port}`),
);

// Finish the requests in flight, then exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
