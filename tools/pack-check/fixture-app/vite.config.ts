import { createBff } from '@cloakroom/bff';
import { cloakroom } from '@cloakroom/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [
    react(),
    cloakroom({
      bff: (origin) =>
        createBff({
          baseUrl: origin,
          issuer: 'https://login.example.com',
          clientId: 'my-app',
          clientSecret: process.env.CLIENT_SECRET ?? '',
          cookieSecret: process.env.COOKIE_SECRET ?? '',
        }),
    }),
  ],
  server: { port: 3000, strictPort: true },
});
