import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../../src/www-authenticate.js';

/** The challenges as plain objects, for comparison. */
const parsed = (header: string) => parseChallenges(header).map(({ scheme, params }) => ({ scheme, params: Object.fromEntries(params) }));

describe('parseChallenges (RFC 9110 §11.6.1)', () => {
  it('reads a Bearer challenge with quoted and token values, names and schemes lower-cased', () => {
    expect(parsed('Bearer realm="api", Error=invalid_token, error_description="The token \\"expired\\""')).toEqual([
      { scheme: 'bearer', params: { realm: 'api', error: 'invalid_token', error_description: 'The token "expired"' } },
    ]);
  });

  it('tells challenges apart from parameters, commas and spaces alike', () => {
    expect(parsed('Basic realm="x", DPoP algs="ES256 RS256" , error="use_dpop_nonce",Bearer')).toEqual([
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'dpop', params: { algs: 'ES256 RS256', error: 'use_dpop_nonce' } },
      { scheme: 'bearer', params: {} },
    ]);
    expect(parsed('Bearer, DPoP')).toEqual([
      { scheme: 'bearer', params: {} },
      { scheme: 'dpop', params: {} },
    ]);
    expect(parsed('Bearer realm = "api"')).toEqual([{ scheme: 'bearer', params: { realm: 'api' } }]);
  });

  it('skips a token68, padded or not, and reads the challenges after it', () => {
    expect(parsed('Basic dXNlcjpwYXNz==, Negotiate a/b+c, Bearer error="invalid_token"')).toEqual([
      { scheme: 'basic', params: {} },
      { scheme: 'negotiate', params: {} },
      { scheme: 'bearer', params: { error: 'invalid_token' } },
    ]);
  });

  it('keeps what came before broken grammar and drops the challenge it breaks', () => {
    expect(parsed('Basic realm="x", Bearer error="insufficient_user_authentication" max_age=0')).toEqual([
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
    expect(parsed('Basic realm="x", Bearer error="unterminated')).toEqual([{ scheme: 'basic', params: { realm: 'x' } }]);
    expect(parsed('Bearer error="a\u0000b"')).toEqual([]);
    expect(parsed('Bearer error="a\nb"')).toEqual([]);
    expect(parsed('Bearer error="trailing\\')).toEqual([]);
    expect(parsed('Bearer error=')).toEqual([{ scheme: 'bearer', params: {} }]); // read as a token68: nothing kept
    expect(parsed('Bearer a=b, c=')).toEqual([]);
    expect(parsed('error="insufficient_user_authentication"')).toEqual([]);
    expect(parsed('="x"')).toEqual([]);
    expect(parsed('Bearer @')).toEqual([]);
  });

  it('drops a challenge that names a parameter twice: which one counts would be a guess', () => {
    expect(parsed('Bearer error="invalid_token", error="insufficient_user_authentication", DPoP error="x"')).toEqual([
      { scheme: 'dpop', params: { error: 'x' } },
    ]);
    expect(parsed('Bearer Max_Age=1, max_age=2')).toEqual([]);
  });

  it('reads nothing of an empty or oversized header, and stays linear on a long hostile one', () => {
    expect(parsed('')).toEqual([]);
    expect(parsed(' , ,')).toEqual([]);
    expect(parsed(`Bearer realm="${'a'.repeat(9 * 1024)}"`)).toEqual([]);
    const hostile = `Bearer ${'a="\\",'.repeat(1300)}`;
    expect(parsed(hostile)).toEqual([]);
    expect(parsed(`Bearer ${'x=y, '.repeat(1000)}`)).toHaveLength(0); // a parameter named twice
  });
});
