import { fileURLToPath } from 'node:url';
import { createBff } from '@cloakroom/bff';
import { toNodeHandler } from '@cloakroom/bff/node';
import { bffConfigFromEnv } from '@cloakroom/example-config';
import { describeExample, onNode } from '@cloakroom/runtime-matrix/examples';
import { startLoopbackServer } from '@cloakroom/test-harness/loopback';
import express from 'express';
import { describe, expect, it } from 'vitest';

const json = { 'x-csrf': '1', 'content-type': 'application/json' };

// The example as it is: the BFF mounted before express.json(). The suite's proxied POST checks that
// its body reached the API.
describeExample(onNode(fileURLToPath(new URL('../src/server.ts', import.meta.url)), 'Express'), {}, (stack) => {
  it("leaves express.json() to the app's own routes", async () => {
    const response = await fetch(`${stack().origin}/feedback`, { method: 'POST', headers: json, body: '{"stars":5}' });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ received: { stars: 5 } });
  });
});

describe('the BFF mounted after express.json()', () => {
  it('answers 500 request_body_consumed with the fix, instead of proxying the POST without its body', async () => {
    const bff = createBff(bffConfigFromEnv({ CLIENT_SECRET: 'unused', COOKIE_SECRET: 'a-cookie-secret-of-at-least-32-characters' }));
    const app = express();
    app.use(express.json()); // the mistake: the parser reads the body before the BFF sees it
    app.use('/bff', toNodeHandler(bff));
    const server = await startLoopbackServer(app);
    try {
      const response = await fetch(`${server.url}/bff/api/orders/orders`, { method: 'POST', headers: json, body: '{"item":"tea"}' });
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({
        code: 'request_body_consumed',
        detail: expect.stringContaining('Mount the BFF before express.json()'),
      });
    } finally {
      await server.close();
    }
  });
});
