import { fileURLToPath } from 'node:url';
import { ORDERS_API, TOKEN_SPA_CLIENT_ID, TOKEN_SPA_ORIGIN } from '@cloakroom/idp/demo';
import type { UserConfig } from 'vite';

/** Where the comparison SPA finds the IdP and the API, and the port it listens on. */
export interface TokenSpaOptions {
  /** Defaults to the dev IdP, `http://127.0.0.1:4000`. */
  issuer?: string | undefined;
  /** Defaults to the demo orders API, `http://127.0.0.1:4001`. */
  apiUrl?: string | undefined;
  /** Defaults to the port of `TOKEN_SPA_ORIGIN`, which the dev IdP registers. */
  port?: number | undefined;
}

/** The page's settings, as `import.meta.env` constants (typed for the page in src/env.d.ts). */
export interface TokenSpaEnv {
  VITE_IDP_ISSUER: string;
  VITE_API_URL: string;
  VITE_CLIENT_ID: string;
  /** RFC 8707 resource indicator of the orders API. */
  VITE_RESOURCE: string;
}

/**
 * The comparison SPA's Vite config, for its own vite.config.ts and for the end-to-end test. The
 * page's settings come in as `import.meta.env` constants, so that nothing of the IdP package (which
 * holds the demo BFF's secret) is ever served to the page.
 */
export function tokenSpaViteConfig(options: TokenSpaOptions = {}): UserConfig {
  const port = options.port ?? Number(new URL(TOKEN_SPA_ORIGIN).port);
  const env: TokenSpaEnv = {
    VITE_IDP_ISSUER: options.issuer ?? 'http://127.0.0.1:4000',
    VITE_API_URL: options.apiUrl ?? 'http://127.0.0.1:4001',
    VITE_CLIENT_ID: TOKEN_SPA_CLIENT_ID,
    VITE_RESOURCE: ORDERS_API,
  };
  return {
    root: fileURLToPath(new URL('.', import.meta.url)),
    define: Object.fromEntries(Object.entries(env).map(([name, value]) => [`import.meta.env.${name}`, JSON.stringify(value)])),
    server: { port, strictPort: true },
    preview: { port, strictPort: true },
  };
}
