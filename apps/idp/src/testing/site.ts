const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** Whether `host` (as in `URL.hostname`) is an IP literal. */
export function isIpAddress(host: string): boolean {
  return IPV4.test(host) || host.startsWith('[');
}

/**
 * Whether cookies marked `Secure` may be set and sent for `url`: https, or a loopback host that
 * browsers treat as potentially trustworthy even over http (Chromium and Firefox both do for
 * `localhost`, `*.localhost`, `127.0.0.0/8` and `[::1]`).
 */
export function isTrustworthy(url: URL): boolean {
  if (url.protocol === 'https:' || url.protocol === 'wss:') return true;
  const host = url.hostname;
  return host === 'localhost' || host.endsWith('.localhost') || host.startsWith('127.') || host === '[::1]';
}

/**
 * The "schemeful site" of a URL: scheme plus registrable domain. Without a public-suffix list the
 * registrable domain is approximated as the last two labels, exact for the hosts tests use
 * (`localhost`, IP literals, `*.test`, `*.example`).
 */
export function siteOf(url: URL): string {
  const host = url.hostname;
  const domain = isIpAddress(host) ? host : host.split('.').slice(-2).join('.');
  return `${url.protocol}//${domain}`;
}
