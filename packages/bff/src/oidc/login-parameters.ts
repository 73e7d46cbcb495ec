import type { LoginParameter } from '../config.js';
import { BffError } from '../errors.js';

/** OIDC Core §3.1.2.1 `prompt` values, and `create` (Initiating User Registration via OpenID Connect). */
const PROMPT_VALUES = new Set(['none', 'login', 'consent', 'select_account', 'create']);
const MAX_LENGTH = 256;

/** Checks one value the app passed for an allowed parameter; answers why it is refused, if it is. */
const checks: Record<LoginParameter, (value: string) => string | undefined> = {
  prompt: (value) => {
    const values = value.split(' ');
    if (!values.every((item) => PROMPT_VALUES.has(item))) return `must be space-separated values of ${[...PROMPT_VALUES].join(', ')}`;
    return values.includes('none') && values.length > 1 ? 'none must stand alone' : undefined;
  },
  max_age: (value) => (/^\d{1,9}$/.test(value) ? undefined : 'must be a whole number of seconds'),
  login_hint: () => undefined,
  acr_values: () => undefined,
  ui_locales: () => undefined,
};

/**
 * The authorization request parameters the app passed to `GET {basePath}/login`, limited to the
 * configured allow-list: a listed parameter that is not allowed, or a bad value, is a
 * `400 invalid_request`, so a typo is not silently ignored; other query parameters are not ours.
 */
export function loginParametersFrom(query: URLSearchParams, allowed: readonly LoginParameter[]): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const name of Object.keys(checks) as LoginParameter[]) {
    const values = query.getAll(name);
    if (values.length === 0) continue;
    if (!allowed.includes(name)) throw new BffError('invalid_request', { detail: `The login parameter ${name} is not allowed here.` });
    const value = values[0]!;
    const problem =
      values.length > 1
        ? 'must be given once'
        : value.length > MAX_LENGTH || /[\p{Cc}]/u.test(value)
          ? `must be at most ${MAX_LENGTH} printable characters`
          : checks[name](value);
    if (problem) throw new BffError('invalid_request', { detail: `The login parameter ${name} ${problem}.` });
    parameters[name] = value;
  }
  return parameters;
}
