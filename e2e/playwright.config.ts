import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  // One worker: the stack (IdP, API, BFF) is started once per worker on free loopback ports.
  workers: 1,
  retries: 0,
  timeout: 60_000,
  // A stuck run fails in minutes with what was running, instead of holding CI to its hard limit.
  globalTimeout: 20 * 60_000,
  reporter: [['list']],
  use: {
    trace: 'off',
    launchOptions: {
      // Debian's Chromium: Playwright cannot download its own browser here.
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
