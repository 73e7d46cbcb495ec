import { defineConfig } from 'vite';
import { tokenSpaViteConfig } from './config.js';

// The same environment variables as the Cloakroom demo: IDP_ISSUER and API_URL.
export default defineConfig(tokenSpaViteConfig({ issuer: process.env.IDP_ISSUER, apiUrl: process.env.API_URL }));
