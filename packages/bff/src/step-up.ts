import type { BffProblem } from '@cloakroom/protocol';
import { parseChallenges } from './www-authenticate.js';

/** What an API asks the user's sign-in to be (RFC 9470), as the `step_up_required` problem carries it. */
export type StepUpRequirement = Pick<BffProblem, 'acr_values' | 'max_age'>;

/**
 * An `acr` value the BFF passes on: URI characters only (RFC 3986: unreserved, reserved and `%`), so
 * that a URI (`urn:…`, `https://…`) or a plain token (`silver`, `1`) goes through and no quote,
 * space, angle bracket or control character the API sent ever reaches the browser.
 */
const ACR_VALUE = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
/** `max_age` as `GET /login` takes it back. */
const MAX_AGE = /^\d{1,9}$/;
/** `GET /login` refuses a longer `acr_values`: the SPA must be able to send the requirement back. */
const MAX_ACR_VALUES_LENGTH = 256;

/**
 * The requirement of an upstream answer that is RFC 9470's challenge: a `401` whose `Bearer` or
 * `DPoP` challenge says `error="insufficient_user_authentication"`; `undefined` for any other
 * answer. Only well-formed values are kept: `acr` values with URI characters only (others dropped,
 * duplicates once, within 256 characters in all, in the API's order of preference) and a
 * `max_age` of whole seconds; a requirement may come out empty.
 */
export function stepUpRequirement(status: number, wwwAuthenticate: string | null): StepUpRequirement | undefined {
  if (status !== 401 || !wwwAuthenticate) return undefined;
  const challenge = parseChallenges(wwwAuthenticate).find(
    ({ scheme, params }) => (scheme === 'bearer' || scheme === 'dpop') && params.get('error') === 'insufficient_user_authentication',
  );
  if (!challenge) return undefined;
  const acrValues = acrValuesFrom(challenge.params.get('acr_values') ?? '');
  const maxAge = challenge.params.get('max_age');
  return {
    ...(acrValues ? { acr_values: acrValues } : {}),
    ...(maxAge !== undefined && MAX_AGE.test(maxAge) ? { max_age: Number(maxAge) } : {}),
  };
}

/** The well-formed values of a space-separated `acr_values`, space-separated again; '' for none. */
function acrValuesFrom(list: string): string {
  const kept: string[] = [];
  for (const value of list.split(' ')) {
    if (!ACR_VALUE.test(value) || kept.includes(value)) continue;
    if ([...kept, value].join(' ').length > MAX_ACR_VALUES_LENGTH) continue;
    kept.push(value);
  }
  return kept.join(' ');
}
