import type { RunningDemo } from '@cloakroom/demo-bff';
import { tokenSpaViteConfig } from '@cloakroom/token-spa-demo/config';
import { createServer } from 'vite';

/**
 * apps/token-spa, the app that keeps its tokens in the browser, on Vite's dev server at
 * `http://localhost:{port}`: its own config, with the test's IdP and API.
 */
export async function startTokenSpa(port: number, options: { issuer: string; apiUrl: string }): Promise<RunningDemo> {
  const config = tokenSpaViteConfig({ ...options, port });
  const server = await createServer({
    ...config,
    configFile: false,
    logLevel: 'warn',
    // Bound to 127.0.0.1, where the browser's localhost goes too.
    server: { ...config.server, host: '127.0.0.1' },
  });
  await server.listen();
  return { url: `http://localhost:${port}`, port, close: () => server.close() };
}
