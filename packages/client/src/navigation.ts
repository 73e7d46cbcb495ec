/** Full-page navigation; the default `navigate` of the client. Touches `window` only when called. */
export function assignLocation(url: string): void {
  window.location.assign(url);
}

/** The current path and query, to come back to after login; `'/'` where there is no page (a server). */
export function currentRelativeUrl(): string {
  const location = globalThis.location as Location | undefined;
  return location ? location.pathname + location.search : '/';
}

/**
 * Only absolute `http(s)` URLs are followed (the IdP's end-session URL is one), so a bad
 * `endSessionUrl` can never run script (`javascript:`).
 */
export function isAbsoluteHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}
