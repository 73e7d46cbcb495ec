// Every BFF route (/bff/login, /bff/callback, /bff/session, /bff/api/…) through one catch-all route
// handler: Next.js hands it a Web `Request`, the BFF answers a Web `Response`.
import { createBff, type Bff } from '@cloakroom/bff';
import { bffConfigFromEnv } from '@cloakroom/example-config';

let bff: Bff | undefined;

// Created at the first request, not when the module loads: `next build` loads route modules, and
// the secrets are in the environment of `next start`, not of the build.
const handle = (request: Request) => (bff ??= createBff(bffConfigFromEnv(process.env))).fetch(request);

export { handle as DELETE, handle as GET, handle as HEAD, handle as OPTIONS, handle as PATCH, handle as POST, handle as PUT };

// Sessions, tokens and cookies: never a static page, never a cached answer.
export const dynamic = 'force-dynamic';
