import type { BffConfig } from '@cloakroom/bff';

/** Environment variables as every host has them: `process.env`, `Deno.env.toObject()`, a Worker's `env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The BFF's configuration from environment variables, the same on every host. The defaults are the
 * repository's dev stack (`pnpm dev:idp`, `pnpm dev:api`); the two secrets have none.
 *
 * | variable | meaning | default |
 * |---|---|---|
 * | `PORT` | where the app listens | `3000` |
 * | `BASE_URL` | the origin the browser sees | `http://localhost:$PORT` |
 * | `IDP_ISSUER` | the OpenID Provider | `http://127.0.0.1:4000` |
 * | `CLIENT_ID` | the BFF's client at the IdP | `cloakroom-bff` |
 * | `CLIENT_SECRET` | its secret | required |
 * | `COOKIE_SECRET` | 32+ characters; comma-separated to rotate (the last one seals) | required |
 * | `API_URL` | the orders API | `http://127.0.0.1:4001` |
 * | `API_RESOURCE` | its resource indicator (RFC 8707) | `https://api.cloakroom.test/orders` |
 *
 * @throws {Error} naming a required variable that is not set.
 */
export function bffConfigFromEnv(env: Env): BffConfig {
  return {
    baseUrl: env.BASE_URL ?? `http://localhost:${env.PORT ?? 3000}`,
    issuer: env.IDP_ISSUER ?? 'http://127.0.0.1:4000',
    clientId: env.CLIENT_ID ?? 'cloakroom-bff',
    clientSecret: required(env, 'CLIENT_SECRET'),
    cookieSecret: required(env, 'COOKIE_SECRET').split(','),
    apis: {
      orders: {
        baseUrl: env.API_URL ?? 'http://127.0.0.1:4001',
        scopes: ['orders:read', 'orders:write'],
        resource: env.API_RESOURCE ?? 'https://api.cloakroom.test/orders',
        // Only what the app calls: a script injected into the page reaches nothing else of the API.
        routes: ['GET /orders', 'POST /orders'],
      },
    },
  };
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: see the example's README`);
  return value;
}
