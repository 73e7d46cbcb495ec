// The BFF as a Cloudflare Workers module worker.
import { createBff, type Bff } from '@cloakroom/bff';
import { bffConfigFromEnv, type Env } from '@cloakroom/example-config';

let bff: Bff | undefined;

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    // A Worker's configuration (`[vars]` and secrets) comes with each request, so the BFF is created
    // at the first one and kept for the isolate's life.
    bff ??= createBff({
      ...bffConfigFromEnv(env),
      // A Worker has no process memory that lasts: each isolate has its own, requests of one user land
      // on several, and Cloudflare recycles them at will. The memory store would lose sessions, so the
      // session lives sealed in the browser's cookies instead. See the README for what that gives up,
      // and for a store over Workers KV or Upstash Redis.
      session: { store: 'cookie' },
    });
    return bff.fetch(request);
  },
};
