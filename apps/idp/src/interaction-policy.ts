import { interactionPolicy } from 'oidc-provider';
import type { InteractionPolicy, KoaContextWithOIDC } from 'oidc-provider';
import { MFA_ACR } from './users.js';

const { Check, Prompt, base } = interactionPolicy;

/** The prompt of the second factor: its page asks for the user's one-time code (see interactions.ts). */
export const SECOND_FACTOR_PROMPT = 'mfa';

/** The `acr_values` of the authorization request, in order of preference. */
function requestedAcrValues(ctx: KoaContextWithOIDC): string[] {
  const value = ctx.oidc.params?.acr_values;
  return typeof value === 'string' ? value.split(' ').filter(Boolean) : [];
}

/**
 * oidc-provider's default policy (`login`, then `consent`) with a second-factor prompt between them:
 * asked for when the request's `acr_values` name {@link MFA_ACR} and none of them is the `acr` of the
 * user's IdP session (OIDC Core §3.1.2.1: any of the values satisfies). oidc-provider's own checks
 * leave `acr_values` voluntary, and would sign a password session in again without asking.
 */
export function buildInteractionPolicy(): InteractionPolicy {
  const policy = base();
  const secondFactor = new Prompt(
    { name: SECOND_FACTOR_PROMPT, requestable: false },
    new Check('second_factor_required', 'The requested authentication context needs a second factor', (ctx) => {
      const requested = requestedAcrValues(ctx);
      return requested.includes(MFA_ACR) && !requested.includes(ctx.oidc.acr ?? '') ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );
  policy.add(secondFactor, policy.findIndex((prompt) => prompt.name === 'login') + 1);
  return policy;
}
