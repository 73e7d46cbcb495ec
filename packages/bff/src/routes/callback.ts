import { Hono } from 'hono';
import type { BffDeps, BffEnv } from '../context.js';
import { BffError } from '../errors.js';
import { loadSession } from '../load-session.js';
import { navigationErrors } from '../navigation-errors.js';
import { codeExchange } from '../oidc/code-exchange.js';
import { loginTransactionCookie, TRANSACTION_TTL } from '../sessions/transactions.js';

/**
 * `GET {basePath}/callback`: the IdP's redirect back. The code is redeemed (see {@link codeExchange})
 * and only then a new session starts. The login transaction is single-use: it is deleted whatever
 * happens.
 */
export function callback({ config, provider, sessions, logger }: BffDeps): Hono<BffEnv> {
  const transactions = loginTransactionCookie(config);
  const redeem = codeExchange(config, provider);
  return new Hono<BffEnv>().get('/callback', navigationErrors(config), loadSession(sessions), async (c) => {
    const transaction = await transactions.read(c);
    transactions.clear(c);
    if (!transaction) throw new BffError('invalid_callback', { detail: 'No sign-in is in progress in this browser, or it expired.' });
    // Single use on the server too: a copy of the transaction cookie replayed within its lifetime
    // (which the browser's own copy, cleared above, cannot prevent) never reaches the token endpoint.
    if (!(await sessions.claimOnce(`login:${transaction.state}`, TRANSACTION_TTL))) {
      throw new BffError('invalid_callback', { detail: 'This sign-in was completed already.' });
    }
    const signedIn = await redeem(transaction, new URL(c.req.url).search);
    // Whatever session this browser had is over, the one it started signing in with too (its Strict
    // cookie does not come back from the IdP); the new one gets a fresh id (no fixation).
    if (c.var.session) await sessions.discard(c.var.session);
    const replaced = transaction.replaces !== c.var.session?.id ? transaction.replaces : undefined;
    if (replaced !== undefined) await sessions.discard({ id: replaced });
    await sessions.start(c, signedIn);
    logger.info('signed in', { sub: signedIn.sub });
    // OIDC leaves acr_values to the IdP's judgement; the API's check decides. Worth a line for the operator.
    if (transaction.acrValues && !transaction.acrValues.split(' ').includes(signedIn.acr ?? '')) {
      logger.warn('the identity provider did not sign the user in with an acr asked for', { sub: signedIn.sub, acr: signedIn.acr ?? null });
    }
    c.header('Cache-Control', 'no-store');
    return c.redirect(transaction.returnTo, 302);
  });
}
