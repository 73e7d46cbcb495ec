import { DEMO_BFF_ORIGIN, TOKEN_SPA_ORIGIN, bffClient, publicSpaClient, startIdp } from './index.js';

// Dev entry point: `pnpm --filter @cloakroom/idp start`. It knows the demo BFF and the
// token-in-the-browser comparison SPA (apps/token-spa). IDP_BFF_ORIGIN registers the demo BFF client
// for another origin (the end-to-end tests use one).
const idp = await startIdp({
  port: Number(process.env.IDP_PORT) || 4000,
  clients: [bffClient({ origin: process.env.IDP_BFF_ORIGIN || DEMO_BFF_ORIGIN }), publicSpaClient({ origin: TOKEN_SPA_ORIGIN })],
});
idp.provider.on('server_error', (_ctx, error) => {
  // The message only: never log tokens or secrets (oidc-provider's own DEBUG logging stays off).
  console.error('[idp] server error:', error.message);
});
console.log(`[idp] OpenID Provider listening, issuer ${idp.issuer}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`[idp] ${signal}, stopping`);
    idp.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
