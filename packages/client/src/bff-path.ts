/** `'/bff/'` → `'/bff'`, `'/'` → `''`: the base path without its trailing slash. */
export function normalizeBasePath(basePath: string): string {
  if (basePath && !basePath.startsWith('/')) throw notSameOriginPath(basePath);
  return basePath.replace(/\/+$/, '');
}

/**
 * Turns a path relative to the BFF (`/api/orders/orders`) or already under it
 * (`/bff/api/orders/orders`) into the URL to fetch. Anything but a same-origin path is refused,
 * so the session cookie and the CSRF header only ever go to the BFF.
 */
export function resolveBffPath(basePath: string, path: string): string {
  // `//host` and `/\host` are other origins to a browser.
  if (!/^\/(?![/\\])/.test(path)) throw notSameOriginPath(path);
  const isUnderBase = basePath && path.startsWith(basePath) && /^([/?#]|$)/.test(path.slice(basePath.length));
  return isUnderBase ? path : basePath + path;
}

function notSameOriginPath(path: string): TypeError {
  return new TypeError(`Not a same-origin path: ${path}`);
}
