import fc from 'fast-check';

/**
 * Shared input generators for the property-based (fuzz) tests of the BFF. Each mixes fully random
 * strings with the pieces that attacks are made of, so that the interesting corners (`//`, `/\`,
 * `%2e%2e`, overlong UTF-8, tampered seals) come up in a few hundred runs, not a few million.
 */

/** Any string: UTF-16 code units included (lone surrogates), of any length up to `maxLength`. */
export const anyString = (maxLength = 64) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({
      unit: fc.constantFrom('%', '/', '\\', '.', ';', '?', '#', ':', '@', '&', '=', '+', ' ', '\t', '\n', '\r', '\0'),
      maxLength,
    }),
  );

/** One percent-encoding of every `%` (what double encoding does to an already encoded string). */
export const encodePercent = (value: string) => value.replaceAll('%', '%25');

/** Percent-encodes every character (not only the reserved ones), in upper or lower case hex. */
export const encodeAll = (value: string, lower = false) => {
  const hex = [...new TextEncoder().encode(value)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  return lower ? hex : hex.toUpperCase();
};

/** Pieces of paths that attacks are made of: dot segments, encoded slashes, overlong UTF-8, schemes. */
export const PATH_PIECES = [
  '..',
  '.',
  '%2e',
  '%2E',
  '%2e%2e',
  '.%2E',
  '%2e.',
  '%252e%252e',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '\\',
  '/',
  '//',
  ';',
  '%3b',
  '..;',
  '%c0%ae',
  '%c0%af',
  '%e0%80%ae',
  '%c1%9c',
  '%f0%80%80%ae',
  '%ff',
  '%',
  '%2',
  '%zz',
  '%25',
  '%00',
  '%0a',
  '%0d',
  '%09',
  '%u002e',
  '?',
  '#',
  '@',
  ':',
  'https:',
  'javascript:',
  'http://evil.example',
  'evil.example',
  '%40',
  '%3a',
  '%3f',
  '%23',
  '~',
  '&',
  '=',
  'é',
  '日本',
  '😀',
  '\u2025',
  '\uff0e',
  '\u2215',
  '\u29f5',
  '\ufe68',
  '\u0000',
  '\t',
  '\n',
  ' ',
  'a',
  'v1',
  'admin',
  'orders',
];

export const pathPiece = fc.constantFrom(...PATH_PIECES);

/** A path segment: a piece of an attack, a URL-safe segment, or anything; maybe encoded once or twice more. */
export const pathSegment = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: pathPiece }, { weight: 2, arbitrary: fc.webSegment() }, { weight: 1, arbitrary: anyString(12) }),
    fc.array(pathPiece, { maxLength: 2 }),
    fc.nat({ max: 6 }),
  )
  .map(([head, tail, encoding]) => {
    const segment = [head, ...tail].join('');
    // 0–2: as is; 3: % encoded again; 4: twice; 5: every byte encoded; 6: every byte encoded, then % again.
    if (encoding === 3) return encodePercent(segment);
    if (encoding === 4) return encodePercent(encodePercent(segment));
    if (encoding === 5) return encodeAll(segment, segment.length % 2 === 0);
    if (encoding === 6) return encodePercent(encodeAll(segment));
    return segment;
  });

/** A path of such segments joined by `/` (sometimes `//` or `\`). */
export const fuzzPath = fc
  .array(fc.tuple(pathSegment, fc.constantFrom('/', '/', '/', '/', '//', '\\', '%2f')), { maxLength: 6 })
  .map((parts) => parts.map(([segment, separator]) => `${segment}${separator}`).join(''));

/** Characters that a header value may carry (RFC 9110 field-vchar, SP, HTAB, obs-text). */
export const headerValue = (maxLength = 80) =>
  fc.string({
    unit: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) },
      { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)) },
      { weight: 1, arbitrary: fc.constant('\t') },
    ),
    maxLength,
  });

/** A header (or cookie) name token (RFC 9110 `token`). */
export const token = (maxLength = 24) =>
  fc.string({
    unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~"),
    minLength: 1,
    maxLength,
  });

/** A cookie value: what a browser would send, or something it would not (quotes, commas, spaces, `;` splits). */
export const cookieValue = (maxLength = 120) =>
  fc.oneof(
    fc.string({ unit: fc.constantFrom(...'ABCDEFabcdef0123456789-_*~.%'), maxLength }),
    headerValue(maxLength).map((value) => value.replaceAll(';', '')),
    fc.constantFrom('', '""', '"', '=', '==', 'Fe26.2', 'Fe26.2*', 'Fe26.2**', '%', '%ff', '%c0%ae', 'deleted'),
  );

/** Alters a string the way an attacker (or a broken proxy) would: cut, flip, insert, duplicate, reverse pieces. */
export const tamper = (value: string) =>
  fc
    .tuple(
      fc.constantFrom('truncate', 'flip', 'insert', 'delete', 'duplicate', 'swap-fields', 'empty-field', 'append'),
      fc.nat({ max: Math.max(0, value.length - 1) }),
      fc.string({ unit: fc.constantFrom(...'*~-_.0123456789abcdefxyzAZ%='), minLength: 1, maxLength: 4 }),
    )
    .map(([how, at, junk]) => {
      switch (how) {
        case 'truncate':
          return value.slice(0, at);
        case 'flip': {
          const char = value[at] === 'a' ? 'b' : 'a';
          return `${value.slice(0, at)}${char}${value.slice(at + 1)}`;
        }
        case 'insert':
          return `${value.slice(0, at)}${junk}${value.slice(at)}`;
        case 'delete':
          return `${value.slice(0, at)}${value.slice(at + junk.length)}`;
        case 'duplicate':
          return `${value}${value}`;
        case 'swap-fields': {
          const fields = value.split('*');
          if (fields.length < 3) return `${value}${junk}`;
          const i = 1 + (at % (fields.length - 2));
          [fields[i], fields[i + 1]] = [fields[i + 1]!, fields[i]!];
          return fields.join('*');
        }
        case 'empty-field': {
          const fields = value.split('*');
          fields[at % fields.length] = '';
          return fields.join('*');
        }
        default:
          return `${value}${junk}`;
      }
    });

/** An iron seal's shape (`Fe26.2*id*salt*iv*data*expiry*hmacSalt*hmac`) with random fields. */
export const fakeSeal = fc
  .tuple(
    fc.constantFrom('Fe26.2', 'Fe26.1', 'Fe26.2~2', 'fe26.2', ''),
    fc.array(fc.string({ unit: fc.constantFrom(...'ABCDEFabcdef0123456789-_~'), maxLength: 44 }), { minLength: 0, maxLength: 9 }),
  )
  .map(([prefix, fields]) => [prefix, ...fields].join('*'));

/**
 * One level of percent-decoding, as a lenient upstream does it: valid UTF-8 sequences decode, broken
 * ones stay as they came (their ASCII bytes aside). With `overlong`, as a naive decoder does it:
 * overlong encodings of `.`, `/` and `\` (`%c0%ae`, `%c0%af`, `%c1%9c`, …) become those characters.
 */
export function decodeOnce(value: string, { overlong = false } = {}): string {
  return value.replace(/(%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      const naive = overlong
        ? run
            .replace(/%c0%ae|%e0%80%ae|%f0%80%80%ae/gi, '.')
            .replace(/%c0%af|%e0%80%af|%f0%80%80%af/gi, '/')
            .replace(/%c1%9c|%e0%81%9c|%f0%80%81%9c/gi, '\\')
        : run;
      return naive.replace(/%[0-7][0-9a-f]/gi, (byte) => decodeURIComponent(byte));
    }
  });
}

/** Percent-decodes until nothing changes (at most 8 levels). */
export function decodeFully(value: string, options: { overlong?: boolean } = {}): string {
  let current = value;
  for (let level = 0; level < 8; level++) {
    const next = decodeOnce(current, options);
    if (next === current) break;
    current = next;
  }
  return current;
}
