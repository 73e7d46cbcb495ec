import { get } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { createServer, preview, type Logger, type PreviewServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloakroom, isUnder, serverOrigin, type CloakroomOptions } from '../src/index.js';

let root: string;
const servers: (ViteDevServer | PreviewServer)[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cloakroom-vite-'));
  await writeFile(join(root, 'index.html'), '<!doctype html><title>the app</title><div id="root"></div>\n');
  await mkdir(join(root, 'dist'));
  await writeFile(join(root, 'dist', 'index.html'), '<!doctype html><title>the built app</title>\n');
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await rm(root, { recursive: true, force: true });
});

/** A logger that keeps what Vite and the plugin say. */
function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const loggedErrors = new WeakSet<Error>();
  return {
    lines,
    info: (message) => void lines.push(`info ${message}`),
    warn: (message) => void lines.push(`warn ${message}`),
    warnOnce: (message) => void lines.push(`warn ${message}`),
    error: (message) => void lines.push(`error ${message}`),
    clearScreen: () => undefined,
    hasErrorLogged: (error) => loggedErrors.has(error as Error),
    hasWarned: false,
  };
}

/** A stand-in BFF that says which origin it was made for and what it received. */
function echoBff(origin: string): Hono {
  const app = new Hono().basePath('/bff');
  app.all('*', async (c) =>
    c.json({ origin, method: c.req.method, url: c.req.url, body: c.req.method === 'POST' ? await c.req.text() : undefined }),
  );
  return app;
}

async function startDev(options: CloakroomOptions, server: { port?: number; strictPort?: boolean } = {}) {
  const logger = memoryLogger();
  const vite = await createServer({
    configFile: false,
    root,
    logLevel: 'info',
    customLogger: logger,
    server: { host: 'localhost', port: 0, ...server, ws: false },
    optimizeDeps: { noDiscovery: true, include: [] },
    plugins: [cloakroom(options)],
  });
  servers.push(vite);
  await vite.listen();
  const origin = serverOrigin(vite.resolvedUrls)!;
  return { vite, origin, logger };
}

/** GET with another Host header (which fetch does not let a caller set). */
function statusWithHost(url: string, host: string, headers: Record<string, string> = {}): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { ...headers, host } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    }).on('error', reject);
  });
}

async function takePort(): Promise<NetServer> {
  const blocker = createNetServer();
  await new Promise<void>((resolve) => blocker.listen(0, 'localhost', resolve));
  return blocker;
}

describe('isUnder', () => {
  it('matches the base path and what is below it, nothing else', () => {
    for (const url of ['/bff', '/bff/', '/bff/login?returnTo=/x', '/bff?x', '/bff/api/orders/a/b']) expect(isUnder(url, '/bff')).toBe(true);
    for (const url of ['/', '/bffx', '/bff-other', '/app/bff', '/src/bff.ts', undefined]) expect(isUnder(url, '/bff')).toBe(false);
  });
});

describe('cloakroom() in the dev server', () => {
  it('makes the BFF for the origin the browser sees and gives it the base path, Vite everything else', async () => {
    const made: string[] = [];
    const { origin } = await startDev({ bff: (origin) => (made.push(origin), echoBff(origin)) });
    expect(origin).toMatch(/^http:\/\/localhost:\d+$/);

    const login = await fetch(`${origin}/bff/login?returnTo=%2Fx`);
    expect(await login.json()).toEqual({ origin, method: 'GET', url: `${origin}/bff/login?returnTo=%2Fx`, body: undefined });
    expect((await (await fetch(`${origin}/bff`)).json()).url).toBe(`${origin}/bff`);
    await fetch(`${origin}/bff/session`);
    expect(made).toEqual([origin]); // once per server

    // The SPA fallback still answers everything else, including paths that only start like the BFF's.
    for (const path of ['/', '/orders', '/bffx']) {
      const page = await fetch(`${origin}${path}`, { headers: { accept: 'text/html' } });
      expect(await page.text()).toContain('<title>the app</title>');
    }
  });

  it('streams request and response bodies both ways', async () => {
    const { origin } = await startDev({ bff: echoBff });
    const body = 'x'.repeat(256 * 1024);
    const response = await fetch(`${origin}/bff/api/orders/orders`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(200);
    expect((await response.json()).body).toBe(body);
  });

  it('follows Vite to the next port when the configured one is taken', async () => {
    const blocker = await takePort();
    try {
      const taken = (blocker.address() as AddressInfo).port;
      const made: string[] = [];
      const { origin } = await startDev({ bff: (origin) => (made.push(origin), echoBff(origin)) }, { port: taken });
      expect(origin).not.toBe(`http://localhost:${taken}`);
      expect((await (await fetch(`${origin}/bff/session`)).json()).origin).toBe(origin);
      expect(made).toEqual([origin]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('takes a ready handler, a custom base path and an explicit origin', async () => {
    const app = new Hono().basePath('/auth');
    app.get('*', (c) => c.text(`ready ${c.req.path}`));
    const { origin } = await startDev({ bff: app, basePath: '/auth/' });
    expect(await (await fetch(`${origin}/auth/session`)).text()).toBe('ready /auth/session');
    expect(await (await fetch(`${origin}/bff/session`, { headers: { accept: 'text/html' } })).text()).toContain('<title>the app</title>');

    const made: string[] = [];
    const tunnelled = await startDev({ bff: (origin) => (made.push(origin), echoBff(origin)), origin: 'https://dev.example.test/ignored' });
    await fetch(`${tunnelled.origin}/bff/session`);
    expect(made).toEqual(['https://dev.example.test']);
  });

  it('answers 500 and logs when the factory throws, and tries again at the next request', async () => {
    let attempts = 0;
    const { origin, logger } = await startDev({
      bff: (origin) => {
        attempts += 1;
        if (attempts === 1) throw new Error('baseUrl: is required');
        return echoBff(origin);
      },
    });
    const failed = await fetch(`${origin}/bff/session`);
    expect(failed.status).toBe(500);
    expect(await failed.text()).toContain('baseUrl: is required');
    expect(logger.lines.join('\n')).toContain('error [@cloakroom/vite] baseUrl: is required');
    expect((await fetch(`${origin}/bff/session`)).status).toBe(200);
    expect(attempts).toBe(2);
  });

  it('warns once when the BFF is called under another host name than its origin', async () => {
    const { origin, logger } = await startDev({ bff: echoBff });
    const port = new URL(origin).port;
    const other = `127.0.0.1:${port}`;
    // Vite listens on `localhost`, which may be ::1 only: send the other Host header to the same socket.
    expect(await statusWithHost(`${origin}/bff/session`, other)).toBe(200);
    expect(await statusWithHost(`${origin}/bff/session`, other)).toBe(200);
    await fetch(`${origin}/bff/session`);
    // Behind a proxy that names the browser's host, the Host header itself does not matter.
    expect(await statusWithHost(`${origin}/bff/session`, 'proxy.localhost:8080', { 'x-forwarded-host': new URL(origin).host })).toBe(200);
    const warnings = logger.lines.filter((line) => line.startsWith('warn [@cloakroom/vite]'));
    expect(warnings).toEqual([
      `warn [@cloakroom/vite] /bff was called on ${other}, but the BFF runs for ${origin}: sign-in lands there. Open ${origin} instead.`,
    ]);
  });

  it('refuses a base path that is not a path', () => {
    expect(() => cloakroom({ bff: echoBff('x'), basePath: 'bff' })).toThrow(TypeError);
    expect(() => cloakroom({ bff: echoBff('x'), basePath: '/' })).toThrow(TypeError);
  });
});

describe('cloakroom() in vite preview', () => {
  it('serves the BFF next to the built app', async () => {
    const made: string[] = [];
    const server = await preview({
      configFile: false,
      root,
      logLevel: 'silent',
      preview: { host: 'localhost', port: 0 },
      plugins: [cloakroom({ bff: (origin) => (made.push(origin), echoBff(origin)) })],
    });
    servers.push(server);
    const origin = serverOrigin(server.resolvedUrls)!;
    expect((await (await fetch(`${origin}/bff/session`)).json()).origin).toBe(origin);
    expect(made).toEqual([origin]);
    expect(await (await fetch(`${origin}/orders`, { headers: { accept: 'text/html' } })).text()).toContain('<title>the built app</title>');
  });
});

describe('event streams through the plugin', () => {
  /** Over the 1 KiB below which compression middleware (Vite's, Hono's) leaves an answer alone. */
  const firstEvent = 'x'.repeat(2048);
  /** A stand-in BFF whose `/bff/events` sends one event, and a second once `release` is called. */
  function holdingEvents() {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const app = new Hono().basePath('/bff');
    app.get('/events', (c) =>
      streamSSE(c, async (stream) => {
        await stream.writeSSE({ data: firstEvent });
        await released;
        await stream.writeSSE({ data: '2' });
      }),
    );
    return { app, release };
  }

  // `vite preview` gzips text responses (its compression middleware comes after the plugin's).
  it.each(['vite', 'vite preview'])('pass event by event, uncompressed, in %s', async (mode) => {
    const { app, release } = holdingEvents();
    let origin: string;
    if (mode === 'vite') origin = (await startDev({ bff: app })).origin;
    else {
      const server = await preview({
        configFile: false,
        root,
        logLevel: 'silent',
        preview: { host: 'localhost', port: 0 },
        plugins: [cloakroom({ bff: app })],
      });
      servers.push(server);
      origin = serverOrigin(server.resolvedUrls)!;
    }
    try {
      // Node's fetch asks for gzip, as a browser does.
      const response = await fetch(`${origin}/bff/events`);
      expect(response.headers.get('content-type')).toBe('text/event-stream');
      expect(response.headers.get('content-encoding')).toBeNull();
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      // The second event waits for this test: the first came through on its own.
      expect((await reader.read()).value).toBe(`data: ${firstEvent}\n\n`);
      release();
      expect((await reader.read()).value).toBe('data: 2\n\n');
      expect((await reader.read()).done).toBe(true);
    } finally {
      release();
    }
  });
});
