/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1). */
export interface AuthChallenge {
  /** The auth-scheme, lower-cased (schemes are case-insensitive): `bearer`, `dpop`, … */
  scheme: string;
  /** The auth-params by lower-cased name; quoted values unquoted. A token68 is not kept. */
  params: ReadonlyMap<string, string>;
}

/** Longer headers are not read: no API needs more to say what it wants. */
const MAX_HEADER_LENGTH = 8 * 1024;
const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;
const WHITESPACE = /[ \t]*/y;
const SEPARATORS = /[ \t,]*/y;

/**
 * The challenges of a `WWW-Authenticate` header value, in order. Written by hand (a few lines of
 * RFC 9110 grammar; no library of ours parses it) because what the API says here decides what the
 * BFF does: it is read strictly. Parsing stops at the first thing the grammar does not allow (what
 * came before is kept, the challenge being read is dropped), and a challenge that names a parameter
 * twice, which RFC 9110 forbids, is dropped as ambiguous.
 */
export function parseChallenges(header: string): AuthChallenge[] {
  if (header.length > MAX_HEADER_LENGTH) return [];
  const challenges: { scheme: string; params: Map<string, string>; ambiguous: boolean }[] = [];
  let at = 0;
  const match = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = at;
    const found = pattern.exec(header)?.[0];
    if (found !== undefined) at += found.length;
    return found;
  };
  const valid = () =>
    challenges.filter((challenge) => !challenge.ambiguous).map(({ scheme, params }): AuthChallenge => ({ scheme, params }));
  /** The grammar is broken here: the challenge being read is dropped, those before it kept. */
  const malformed = () => {
    challenges.pop();
    return valid();
  };

  // Right after a scheme and a space, the next item may be a token68 or the first auth-param.
  let afterScheme = false;
  while (at < header.length) {
    const separators = match(SEPARATORS) ?? '';
    if (at >= header.length) break;
    const afterComma = separators.includes(',');
    // Items follow each other with a comma, except a scheme's first parameter (or token68).
    if (challenges.length > 0 && !afterComma && !(afterScheme && separators.length > 0)) return malformed();
    const start = at;
    const name = match(TOKEN);
    if (name === undefined) return malformed();
    const end = at;
    match(WHITESPACE);
    const current = challenges.at(-1);
    if (header[at] === '=') {
      at += 1;
      match(WHITESPACE);
      const value = header[at] === '"' ? quotedString() : match(TOKEN);
      if (value === undefined && afterScheme && !afterComma) {
        // `abc=` or `abc==`: a token68 with padding (Basic, Negotiate), which we do not read.
        at = start;
        match(TOKEN68);
      } else if (value === undefined || !current) {
        return malformed();
      } else {
        const key = name.toLowerCase();
        if (current.params.has(key)) current.ambiguous = true;
        current.params.set(key, value);
      }
      afterScheme = false;
    } else if (afterScheme && !afterComma) {
      // A token68 (`Basic dXNlcg`), perhaps with characters a token lacks (`/`, `+`).
      at = start;
      match(TOKEN68);
      afterScheme = false;
    } else {
      at = end;
      challenges.push({ scheme: name.toLowerCase(), params: new Map(), ambiguous: false });
      afterScheme = true;
    }
  }
  return valid();

  /** A quoted-string from `at` (on its opening quote), unescaped; `undefined` when malformed. */
  function quotedString(): string | undefined {
    let value = '';
    for (at += 1; at < header.length; at += 1) {
      if (header[at] === '"') {
        at += 1;
        return value;
      }
      if (header[at] === '\\') at += 1;
      const char = header[at];
      // qdtext and quoted-pair: HTAB, SP, visible ASCII and obs-text; no other control character.
      const code = char?.charCodeAt(0) ?? 0;
      if (char === undefined || (code < 0x20 && code !== 0x09) || code === 0x7f) return undefined;
      value += char;
    }
    return undefined;
  }
}
