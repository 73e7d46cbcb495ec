/**
 * Scopes: what a token grants, and what a route needs.
 */

/** RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )` (no space, `"` or `\`). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Whether `value` is a syntactically valid scope token (RFC 6749 §3.3). */
export function isScopeToken(value: unknown): value is string {
  return typeof value === 'string' && SCOPE_TOKEN.test(value);
}

/**
 * Checks scopes a route requires, at configuration time. A scope token cannot contain a space or a
 * quote, so none can break out of the challenge's `scope="…"` attribute.
 */
export function assertScopeTokens(scopes: readonly string[]): void {
  if (scopes.length === 0) throw new TypeError('requireScope: name at least one scope');
  for (const scope of scopes) {
    if (!isScopeToken(scope)) throw new TypeError(`requireScope: ${JSON.stringify(scope)} is not a valid scope token (RFC 6749 §3.3)`);
  }
}

/**
 * The scopes a token grants, from the claims of a JWT (RFC 9068 §2.2.3 `scope`) or of an
 * introspection response (RFC 7662 §2.2 `scope`): a space-separated string. Some issuers use `scp`
 * instead, as an array (Okta) or a space-separated string (Entra ID); it counts only when `scope`
 * is absent. A malformed value grants nothing.
 */
export function grantedScopes(claims: { readonly scope?: unknown; readonly scp?: unknown }): ReadonlySet<string> {
  const source = claims.scope !== undefined ? claims.scope : claims.scp;
  if (typeof source === 'string') return new Set(source.split(' ').filter(Boolean));
  if (Array.isArray(source) && source.every((scope) => typeof scope === 'string')) return new Set(source);
  return new Set();
}

/** Whether the `scope` / `scp` claims, when present, have a usable type. */
export function hasWellFormedScopes(claims: { readonly scope?: unknown; readonly scp?: unknown }): boolean {
  const { scope, scp } = claims;
  const scopeOk = scope === undefined || typeof scope === 'string';
  const scpOk = scp === undefined || typeof scp === 'string' || (Array.isArray(scp) && scp.every((item) => typeof item === 'string'));
  return scopeOk && scpOk;
}

/** The scopes of `required` that `granted` lacks, in the order given. */
export function missingScopes(granted: ReadonlySet<string>, required: readonly string[]): string[] {
  return required.filter((scope) => !granted.has(scope));
}
