/**
 * Takes `?cloakroom_error=<code>` (the BFF's redirect after a failed sign-in or sign-out) off the current
 * URL with `history.replaceState`, keeping the path, the other query parameters exactly as written (no
 * re-encoding, as URLSearchParams would do), the hash and `history.state`. Passes the code to `found` only when it is a
 * plain code: anything but `/^[a-z_]{1,64}$/` is removed all the same, and never shown. Without a page (a server), does nothing.
 */
export function takeLoginError(found: (code: string) => void): void {
  if (typeof document === 'undefined') return;
  const { href, search } = location;
  let code: string | undefined;
  const rest = search.replace(/[?&]cloakroom_error(?:=([^&]*))?(?=&|$)/g, (_, value = '') => ((code ??= value), '')).replace(/^&/, '?');
  if (code === undefined) return;
  // The first `?` of the URL starts `search`: the path cannot hold one.
  history.replaceState(history.state, '', href.replace(search, rest));
  if (/^[a-z_]{1,64}$/.test(code)) found(code);
}
