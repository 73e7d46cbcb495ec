import { test } from './fixtures.js';
import { deadEndScenarios } from './dead-ends.js';

// The dead-end scenarios against the demo on Vite's dev server with the BFF inside (`pnpm dev`).
test.use({ stackOptions: { accessTokenTtl: 4, server: 'vite' } });
deadEndScenarios('vite');
