import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieJar, TestBrowser, parseForms } from '../src/testing.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let seen: Seen[] = [];
let port = 0;
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    route(new URL(req.url ?? '/', 'http://x'), res);
  });
});

function route(url: URL, res: ServerResponse): void {
  const cookies = url.searchParams.getAll('set');
  if (cookies.length) res.setHeader('set-cookie', cookies);
  const to = url.searchParams.get('to');
  const status = Number(url.searchParams.get('status') ?? (to ? 302 : 200));
  if (to) res.setHeader('location', to);
  if (url.pathname === '/loop') res.writeHead(302, { location: '/loop' }).end();
  else res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
}

const local = (path: string) => `http://localhost:${port}${path}`;
const loopback = (path: string) => `http://127.0.0.1:${port}${path}`;
const last = () => seen.at(-1) as Seen;
const setting = (...cookies: string[]) => `?${cookies.map((cookie) => `set=${encodeURIComponent(cookie)}`).join('&')}`;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
});

describe('TestBrowser cookies', () => {
  it('stores cookies per host (not port) and sends them back, respecting Path', async () => {
    seen = [];
    const browser = new TestBrowser();
    await browser.fetch(local(`/app/page${setting('a=1; Path=/', 'b=2; Path=/app', 'c=3')}`));
    await browser.fetch(local('/app/x'));
    expect(last().headers.cookie).toBe('b=2; c=3; a=1');
    await browser.fetch(local('/other'));
    expect(last().headers.cookie).toBe('a=1');
    await browser.fetch(loopback('/app/x'));
    expect(last().headers.cookie).toBeUndefined();
    expect(browser.cookies(local('/app/'))).toEqual(
      new Map([
        ['b', '2'],
        ['c', '3'],
        ['a', '1'],
      ]),
    );
  });

  it('deletes cookies on Max-Age=0 or a past Expires, and lets Max-Age win over Expires', async () => {
    const browser = new TestBrowser();
    await browser.fetch(
      local(`/${setting('a=1; Path=/', 'b=2; Path=/', 'c=3; Path=/; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT')}`),
    );
    await browser.fetch(local(`/${setting('a=; Path=/; Max-Age=0', 'b=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT')}`));
    expect(browser.cookies(local('/'))).toEqual(new Map([['c', '3']]));
  });

  it('accepts Secure and __Host- cookies on http://localhost like Chromium, but enforces the prefix rules', async () => {
    seen = [];
    const browser = new TestBrowser();
    await browser.fetch(
      local(
        `/a/b${setting(
          '__Host-session=s; Path=/; Secure; HttpOnly; SameSite=Strict',
          '__Host-nosecure=x; Path=/',
          '__Host-path=x; Path=/a; Secure',
          '__Host-domain=x; Path=/; Secure; Domain=localhost',
          '__Secure-ok=y; Path=/; Secure',
          'none=z; Path=/; SameSite=None',
        )}`,
      ),
    );
    expect(browser.cookies(local('/'))).toEqual(
      new Map([
        ['__Host-session', 's'],
        ['__Secure-ok', 'y'],
      ]),
    );
    await browser.fetch(local('/'));
    expect(last().headers.cookie).toBe('__Host-session=s; __Secure-ok=y');
  });

  it('rejects Secure cookies from, and does not send them to, plain-http hosts that are not loopback', () => {
    const jar = new CookieJar();
    const context = { sameSite: true, navigation: false, method: 'GET' };
    jar.store(new URL('http://app.example/'), ['a=1; Secure', 'b=2']);
    expect(jar.header(new URL('http://app.example/'), context)).toBe('b=2');
    jar.store(new URL('https://app.example/'), ['c=3; Secure']);
    expect(jar.header(new URL('http://app.example/'), context)).toBe('b=2');
    expect(jar.header(new URL('https://app.example/'), context)).toBe('b=2; c=3');
    // An insecure origin cannot overwrite a Secure cookie.
    jar.store(new URL('http://app.example/'), ['c=evil']);
    expect(jar.header(new URL('https://app.example/'), context)).toBe('b=2; c=3');
  });

  it('applies Domain cookies to subdomains and refuses foreign domains', () => {
    const jar = new CookieJar();
    const context = { sameSite: true, navigation: false, method: 'GET' };
    jar.store(new URL('http://www.shop.example/'), ['d=1; Domain=shop.example', 'h=2', 'x=3; Domain=other.example']);
    expect(jar.header(new URL('http://api.shop.example/'), context)).toBe('d=1');
    expect(jar.header(new URL('http://www.shop.example/'), context)).toBe('d=1; h=2');
    expect(jar.header(new URL('http://other.example/'), context)).toBeUndefined();
  });

  it('applies SameSite like Chromium: Strict only same-site, Lax also on cross-site top-level GETs', async () => {
    seen = [];
    const browser = new TestBrowser();
    await browser.fetch(local(`/${setting('strict=1; Path=/; SameSite=Strict', 'lax=2; Path=/; SameSite=Lax', 'plain=3; Path=/')}`));
    const idp = loopback('');

    await browser.fetch(local('/'), { initiator: idp, navigation: true });
    expect(last().headers.cookie).toBe('lax=2; plain=3');
    await browser.fetch(local('/'), { initiator: idp, navigation: true, method: 'POST' });
    expect(last().headers.cookie).toBeUndefined();
    await browser.fetch(local('/'), { initiator: idp });
    expect(last().headers.cookie).toBeUndefined();
    await browser.fetch(local('/'), { initiator: null, navigation: true });
    expect(last().headers.cookie).toBe('strict=1; lax=2; plain=3');

    // A redirect chain keeps the initiator of the navigation that started it.
    await browser.follow(loopback(`/?to=${encodeURIComponent(local('/landing'))}`), { initiator: idp });
    expect(last().url).toBe('/landing');
    expect(last().headers.cookie).toBe('lax=2; plain=3');
  });
});

describe('TestBrowser requests', () => {
  it('adds Sec-Fetch-* and Origin headers as Chromium does, unless given explicitly', async () => {
    const browser = new TestBrowser();
    await browser.fetch(local('/api'));
    expect(last().headers).toMatchObject({ 'sec-fetch-site': 'same-origin', 'sec-fetch-dest': 'empty' });
    expect(last().headers.origin).toBeUndefined();

    await browser.fetch(local('/api'), { method: 'POST', body: 'x' });
    expect(last().headers.origin).toBe(local(''));

    await browser.fetch(local('/api'), { method: 'POST', initiator: 'https://evil.example' });
    expect(last().headers).toMatchObject({ 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });

    await browser.fetch(local('/api'), { initiator: `http://localhost:${port + 1}` });
    expect(last().headers['sec-fetch-site']).toBe('same-site');

    await browser.follow(local('/'), { initiator: null });
    expect(last().headers).toMatchObject({ 'sec-fetch-site': 'none', 'sec-fetch-dest': 'document' });

    await browser.fetch(local('/api'), { method: 'POST', headers: { 'sec-fetch-site': 'same-origin', origin: 'null' } });
    expect(last().headers).toMatchObject({ 'sec-fetch-site': 'same-origin', origin: 'null' });
  });

  it('leaves redirects alone in fetch() and follows them in follow(), recording the chain', async () => {
    const browser = new TestBrowser();
    const manual = await browser.fetch(local(`/start?to=${encodeURIComponent('/next')}`));
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('/next');

    const followed = await browser.follow(local(`/start?to=${encodeURIComponent(`/middle?to=${encodeURIComponent(loopback('/end'))}`)}`));
    expect(followed.status).toBe(200);
    expect(followed.url).toBe(loopback('/end'));
    expect(followed.visited).toEqual([
      local(`/start?to=${encodeURIComponent(`/middle?to=${encodeURIComponent(loopback('/end'))}`)}`),
      local(`/middle?to=${encodeURIComponent(loopback('/end'))}`),
      loopback('/end'),
    ]);
  });

  it('turns a POST into a GET on 303 (and 302), but repeats it on 307', async () => {
    seen = [];
    const browser = new TestBrowser();
    const form = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' };
    await browser.follow(local(`/form?status=303&to=/done`), form);
    expect(seen.map(({ method, url, body }) => [method, url, body])).toEqual([
      ['POST', '/form?status=303&to=/done', 'a=1'],
      ['GET', '/done', ''],
    ]);
    expect(last().headers['content-type']).toBeUndefined();

    seen = [];
    await browser.follow(local(`/form?status=307&to=/again`), form);
    expect(seen.map(({ method, url, body }) => [method, url, body])).toEqual([
      ['POST', '/form?status=307&to=/again', 'a=1'],
      ['POST', '/again', 'a=1'],
    ]);
  });

  it('gives up after 20 redirects', async () => {
    await expect(new TestBrowser().follow(local('/loop'))).rejects.toThrow(/too many redirects/);
  });

  it('sends cookies set during a redirect chain on the next hop', async () => {
    seen = [];
    const browser = new TestBrowser();
    await browser.follow(local(`/login${setting('tx=abc; Path=/; HttpOnly; SameSite=Lax')}&to=/callback`));
    expect(last().url).toBe('/callback');
    expect(last().headers.cookie).toBe('tx=abc');
  });
});

describe('parseForms', () => {
  it('reads action, method, fields and buttons, decoding entities', () => {
    const html = `
      <form method="post" action="/go?a=1&amp;b=2">
        <input type="hidden" name="xsrf" value="t&#39;k&quot;">
        <input name="username" value="">
        <input type="checkbox" name="remember">
        <input type="checkbox" name="terms" checked>
        <input type="submit" name="ignored" value="no">
        <button type="submit" name="logout" value="yes">Sign <b>out</b></button>
        <button type="button">Not a submit</button>
      </form>
      <form><input name="q"></form>`;
    const [first, second] = parseForms(html, 'http://idp.test/page');
    expect(first).toEqual({
      action: 'http://idp.test/go?a=1&b=2',
      method: 'POST',
      fields: [
        ['xsrf', `t'k"`],
        ['username', ''],
        ['terms', 'on'],
      ],
      buttons: [{ name: 'logout', value: 'yes', label: 'Sign out' }],
    });
    expect(second).toMatchObject({ action: 'http://idp.test/page', method: 'GET', fields: [['q', '']] });
  });
});
