import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const REFRESH_TOKEN = `rotated-refresh-token-${crypto.randomUUID()}`;
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

const server = createServer((_req, res) => {
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ access_token: 'at', refresh_token: REFRESH_TOKEN, expires_in: 60 }));
});
let tokenEndpoint: string;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Runs one fixture file in its own Vitest, with the log-scan setup file. */
function runFixture(name: string): Promise<{ failed: boolean; output: string }> {
  return new Promise((resolve) => {
    const vitest = fileURLToPath(new URL('../../../node_modules/vitest/vitest.mjs', import.meta.url));
    execFile(
      process.execPath,
      [vitest, 'run', '--config', `${fixtures}vitest.config.ts`, name],
      { env: { ...process.env, TOKEN_ENDPOINT: tokenEndpoint, NO_COLOR: '1' } },
      (error, stdout, stderr) => resolve({ failed: error !== null, output: stdout + stderr }),
    );
  });
}

it('fails a test file that logged a secret it received, and says which kind, without repeating it', async () => {
  const { failed, output } = await runFixture('leaks-refresh-token');
  expect(failed).toBe(true);
  expect(output).toContain('This file: 1 secret(s) logged');
  expect(output).toContain('refresh token: refreshed');
  // Only the console line itself shows it (as Vitest prints it); the scan's report masks it.
  expect(output.split(REFRESH_TOKEN).length - 1).toBe(1);
});

it('passes a file that logged only what is not secret', async () => {
  const { failed, output } = await runFixture('logs-nothing-secret');
  expect(output).not.toContain('secret(s)');
  expect(failed).toBe(false);
});
