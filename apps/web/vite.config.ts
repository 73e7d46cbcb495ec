import { createBff } from '@cloakroom/bff';
import { demoBffConfig, demoOptionsFromEnv } from '@cloakroom/demo-bff';
import { cloakroom } from '@cloakroom/vite';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  plugins: [
    react(),
    // The demo BFF inside the dev server (and `vite preview`), on the app's own origin: `pnpm dev`
    // gives HMR with sign-in working. Its baseUrl is the origin Vite listens on.
    cloakroom({ bff: (origin) => createBff(demoBffConfig(origin, demoOptionsFromEnv())) }),
  ],
  // The embedded IdP knows the demo as http://localhost:3000 (its redirect URI): no other port.
  server: { port: 3000, strictPort: true },
  preview: { port: 3000, strictPort: true },
  // `source` builds the workspace packages from their TypeScript, so no package build is needed first.
  resolve: { conditions: ['source', ...defaultClientConditions] },
});
