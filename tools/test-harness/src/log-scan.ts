/**
 * The run-wide log scan: every test file's output (console, stdout, stderr, and the lines its
 * in-memory loggers kept) is searched, when the file ends, for the secrets that passed through the
 * file's `fetch` calls and for anything shaped like a credential. See `log-scan-setup.ts`.
 */

/** What a found secret was. */
export type SecretKind =
  | 'access token'
  | 'refresh token'
  | 'ID token'
  | 'authorization code'
  | 'code verifier'
  | 'client secret'
  | 'client assertion'
  | 'logout token'
  | 'token'
  | 'cookie value'
  | 'cookie secret'
  | 'DPoP proof'
  | 'DPoP private key';

/** One secret (or credential shape) found in logged text. */
export interface Leak {
  kind: SecretKind | 'JWT' | 'iron seal' | 'PEM private key' | 'private JWK member';
  /** The text around it, the secret itself masked. */
  excerpt: string;
}

/** Shorter values are too likely to occur by chance (and none of ours is that short). */
const MIN_SECRET_LENGTH = 16;

/** Credential shapes that must never be logged, whoever issued them. */
const SHAPES: ReadonlyArray<[Leak['kind'], RegExp]> = [
  ['JWT', /eyJ[\w-]{4,}\.eyJ[\w-]{4,}\.[\w-]*/g],
  ['iron seal', /Fe26\.2\*[^\s"';,]+/g],
  ['PEM private key', /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/g],
  ['private JWK member', /"(?:d|p|q|dp|dq|qi)"\s*:\s*"[\w-]{20,}"/g],
];

/** Form and JSON members that carry a secret (RFC 6749, 7009, 7523, 7636; OIDC Back-Channel Logout). */
const SECRET_PARAMETERS: Readonly<Record<string, SecretKind>> = {
  access_token: 'access token',
  refresh_token: 'refresh token',
  id_token: 'ID token',
  code: 'authorization code',
  code_verifier: 'code verifier',
  client_secret: 'client secret',
  client_assertion: 'client assertion',
  logout_token: 'logout token',
  token: 'token',
};

/** Secrets seen in this process, by value. */
export class SecretRegistry {
  readonly #secrets = new Map<string, SecretKind>();

  record(kind: SecretKind, value: string | null | undefined): void {
    if (value && value.length >= MIN_SECRET_LENGTH) this.#secrets.set(value, kind);
  }

  /** Records the secret members of a form body, a URL's query and fragment, or a JSON object. */
  recordParameters(parameters: URLSearchParams | Record<string, unknown>): void {
    const entries = parameters instanceof URLSearchParams ? [...parameters] : Object.entries(parameters);
    for (const [name, value] of entries) {
      const kind = SECRET_PARAMETERS[name];
      if (kind && typeof value === 'string') this.record(kind, value);
    }
  }

  get size(): number {
    return this.#secrets.size;
  }

  /** Every recorded secret in `text`, and every credential shape; the excerpts show none of them. */
  findLeaks(text: string): Leak[] {
    const kinds: Leak['kind'][] = [];
    let masked = text;
    for (const [value, kind] of this.#secrets) {
      if (!masked.includes(value)) continue;
      kinds.push(kind);
      masked = masked.replaceAll(value, `«${kind}»`);
    }
    for (const [kind, shape] of SHAPES) {
      masked = masked.replace(shape, () => {
        kinds.push(kind);
        return `«${kind}»`;
      });
    }
    return kinds.map((kind) => ({ kind, excerpt: around(masked, masked.indexOf(`«${kind}»`)) }));
  }
}

function around(text: string, at: number): string {
  return text.slice(Math.max(0, at - 80), at + 120).replaceAll('\n', '⏎');
}

/**
 * Wraps `fetch` so that the secrets crossing it are recorded: bearer, DPoP and basic credentials,
 * DPoP proofs, form bodies (token, revocation, introspection and logout requests), token responses,
 * the `code` of a redirect, cookies set and sent.
 */
export function recordingFetch(inner: typeof fetch, registry: SecretRegistry): typeof fetch {
  return async (input, init) => {
    const requestHeaders = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    recordCredentials(requestHeaders, registry);
    const form = formOf(init?.body);
    if (form) registry.recordParameters(form);

    const response = await inner(input, init);
    for (const cookie of response.headers.getSetCookie()) registry.record('cookie value', cookieValue(cookie));
    const location = response.headers.get('location');
    if (location) recordUrl(location, registry);
    // A token endpoint answer: read a copy, the caller gets the original untouched.
    if (form?.has('grant_type') && response.headers.get('content-type')?.includes('json')) {
      const body: unknown = await response
        .clone()
        .json()
        .catch(() => undefined);
      if (body && typeof body === 'object') registry.recordParameters(body as Record<string, unknown>);
    }
    return response;
  };
}

function recordCredentials(headers: Headers, registry: SecretRegistry): void {
  const [scheme, credentials] = (headers.get('authorization') ?? '').split(' ', 2);
  // A DPoP-bound token (RFC 9449) travels under its own scheme.
  if (scheme?.toLowerCase() === 'bearer' || scheme?.toLowerCase() === 'dpop') registry.record('access token', credentials);
  // A proof is good for one request only, but within seconds of being logged it still is.
  registry.record('DPoP proof', headers.get('dpop'));
  if (scheme?.toLowerCase() === 'basic' && credentials) {
    const decoded = Buffer.from(credentials, 'base64').toString();
    registry.record('client secret', decodeURIComponent(decoded.slice(decoded.indexOf(':') + 1)));
  }
  for (const pair of (headers.get('cookie') ?? '').split(';')) registry.record('cookie value', pair.slice(pair.indexOf('=') + 1).trim());
}

function formOf(body: RequestInit['body'] | undefined): URLSearchParams | undefined {
  if (body instanceof URLSearchParams) return body;
  if (typeof body === 'string' && !body.trimStart().startsWith('{')) return new URLSearchParams(body);
  return undefined;
}

function recordUrl(location: string, registry: SecretRegistry): void {
  let url: URL;
  try {
    url = new URL(location, 'http://relative.invalid');
  } catch {
    return;
  }
  registry.recordParameters(url.searchParams);
  registry.recordParameters(new URLSearchParams(url.hash.slice(1)));
}

function cookieValue(setCookie: string): string {
  const pair = setCookie.split(';', 1)[0] ?? '';
  return pair.slice(pair.indexOf('=') + 1);
}
