import { fileURLToPath } from 'node:url';
import { createBff } from '@cloakroom/bff';
import { demoBffConfig, type DemoOptions, type RunningDemo } from '@cloakroom/demo-bff';
import { cloakroom } from '@cloakroom/vite';
import react from '@vitejs/plugin-react';
import { createServer, defaultClientConditions } from 'vite';

const web = fileURLToPath(new URL('../apps/web', import.meta.url));

/**
 * The demo app on Vite's dev server with the BFF inside it (`pnpm dev`), on `http://localhost:{port}`:
 * apps/web's own vite.config.ts, but with the demo options given here (the test's IdP, API, session
 * store and logger) instead of the environment's.
 */
export async function startViteDemo(port: number, options: DemoOptions): Promise<RunningDemo> {
  const url = `http://localhost:${port}`;
  const server = await createServer({
    configFile: false,
    root: web,
    logLevel: 'warn',
    plugins: [react(), cloakroom({ origin: url, bff: (origin) => createBff(demoBffConfig(origin, options)) })],
    resolve: { conditions: ['source', ...defaultClientConditions] },
    // Bound to 127.0.0.1, where the browser's localhost goes too; the app is reachable both ways.
    server: { port, strictPort: true, host: '127.0.0.1' },
  });
  await server.listen();
  return { url, port, close: () => server.close() };
}
