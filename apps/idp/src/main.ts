import { bffClient, startIdp } from './index.js';

// Dev entry point: `pnpm --filter @cloakroom/idp start`.
// IDP_BFF_ORIGIN registers the demo BFF client for another origin (the end-to-end tests use one).
const bffOrigin = process.env.IDP_BFF_ORIGIN;
const idp = await startIdp({
  port: Number(process.env.IDP_PORT) || 4000,
  ...(bffOrigin ? { clients: [bffClient({ origin: bffOrigin })] } : {}),
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
