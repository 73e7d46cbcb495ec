import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  // `source` builds the workspace packages from their TypeScript, so no package build is needed first.
  resolve: { conditions: ['source', ...defaultClientConditions] },
});
