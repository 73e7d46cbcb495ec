import { TOKEN_SPA_ORIGIN } from '@cloakroom/idp/demo';
import { startApi } from './index.js';

// Dev entry point: `pnpm --filter @cloakroom/demo-api start`. API_CORS_ORIGINS (comma-separated)
// names the pages that may call it from script; by default the token-in-the-browser comparison SPA.
const api = await startApi({
  port: Number(process.env.API_PORT) || 4001,
  issuer: process.env.IDP_ISSUER || 'http://127.0.0.1:4000',
  audience: process.env.API_AUDIENCE || 'https://api.cloakroom.test/orders',
  corsOrigins: (process.env.API_CORS_ORIGINS ?? TOKEN_SPA_ORIGIN).split(',').filter(Boolean),
});
console.log(`[api] demo orders API listening on ${api.url}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`[api] ${signal}, stopping`);
    api.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
