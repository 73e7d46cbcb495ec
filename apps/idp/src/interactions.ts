import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from 'oidc-provider';
import type { Interaction, Provider } from 'oidc-provider';
import { SECOND_FACTOR_PROMPT } from './interaction-policy.js';
import { consentPage, errorPage, loginPage, oneTimeCodePage } from './pages.js';
import { DEMO_USERS, MFA_ACR, PASSWORD_ACR, authenticate, findUser, verifyOneTimeCode } from './users.js';
import type { DemoUser } from './users.js';

/** Handles a request if it is one of ours; resolves `false` to let the provider have it. */
export type InteractionHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const ROUTE = /^\/interaction\/([\w-]+)(?:\/(login|otp|confirm|abort))?$/;
/** The prompt each form submission finishes. */
const PROMPT_OF_ACTION: Readonly<Record<string, string>> = { login: 'login', otp: SECOND_FACTOR_PROMPT, confirm: 'consent' };
const MAX_FORM_BYTES = 16 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // Login pages must not be framed (clickjacking) and need nothing but inline CSS.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'expected an HTML form submission');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new HttpError(413, 'form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function clientName(provider: Provider, clientId: string): Promise<string> {
  const client = await provider.Client.find(clientId);
  return client?.clientName ?? clientId;
}

const HINTS = DEMO_USERS.map(({ username, password }) => ({ username, password }));

async function renderPrompt(provider: Provider, res: ServerResponse, interaction: Interaction): Promise<void> {
  const { uid, prompt, params } = interaction;
  const name = await clientName(provider, params.client_id);
  if (prompt.name === 'login') {
    const hint = typeof params.login_hint === 'string' ? params.login_hint : undefined;
    sendHtml(res, 200, loginPage({ uid, clientName: name, username: hint, hints: HINTS }));
    return;
  }
  if (prompt.name === SECOND_FACTOR_PROMPT) {
    sendHtml(res, 200, secondFactorPage(interaction, name));
    return;
  }
  if (prompt.name === 'consent') {
    const accountId = interaction.session?.accountId ?? '';
    sendHtml(
      res,
      200,
      consentPage({
        uid,
        clientName: name,
        userName: findUser(accountId)?.name ?? accountId,
        scopes: prompt.details.missingOIDCScope ?? [],
        resources: prompt.details.missingResourceScopes ?? {},
      }),
    );
    return;
  }
  throw new HttpError(501, `unsupported prompt: ${prompt.name}`);
}

async function submitLogin(provider: Provider, req: IncomingMessage, res: ServerResponse, interaction: Interaction): Promise<void> {
  const form = await readForm(req);
  const username = form.get('username') ?? '';
  const user = authenticate(username, form.get('password') ?? '');
  if (!user) {
    const name = await clientName(provider, interaction.params.client_id);
    const page = loginPage({
      uid: interaction.uid,
      clientName: name,
      username,
      error: 'Wrong username or password.',
      hints: HINTS,
    });
    sendHtml(res, 401, page);
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.sub, acr: PASSWORD_ACR, amr: ['pwd'] } },
    { mergeWithLastSubmission: false },
  );
}

/** The user of an interaction that comes after the password (the second factor, consent). */
function signedInUser(interaction: Interaction): DemoUser {
  const user = findUser(interaction.session?.accountId ?? '');
  if (!user) throw new HttpError(400, 'no signed-in user for this step');
  return user;
}

function secondFactorPage(interaction: Interaction, clientName: string, error?: string): string {
  const user = signedInUser(interaction);
  return oneTimeCodePage({ uid: interaction.uid, clientName, userName: user.name, hint: user.oneTimeCode, ...(error ? { error } : {}) });
}

async function submitOneTimeCode(provider: Provider, req: IncomingMessage, res: ServerResponse, interaction: Interaction): Promise<void> {
  const form = await readForm(req);
  const user = signedInUser(interaction);
  if (!verifyOneTimeCode(user, form.get('code') ?? '')) {
    const name = await clientName(provider, interaction.params.client_id);
    sendHtml(res, 401, secondFactorPage(interaction, name, 'Wrong code.'));
    return;
  }
  // A new login of the same account: the IdP session's acr, amr and auth time are now the second factor's.
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: user.sub, acr: MFA_ACR, amr: ['pwd', 'otp'] } },
    { mergeWithLastSubmission: false },
  );
}

async function submitConsent(provider: Provider, req: IncomingMessage, res: ServerResponse, interaction: Interaction): Promise<void> {
  await readForm(req);
  const { details } = interaction.prompt;
  const accountId = interaction.session?.accountId;
  if (!accountId) throw new HttpError(400, 'no signed-in user for this consent');

  // Extend the grant the session already has with this client, or start one.
  const existing = interaction.grantId ? await provider.Grant.find(interaction.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId: interaction.params.client_id });
  if (details.missingOIDCScope?.length) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

async function abort(provider: Provider, req: IncomingMessage, res: ServerResponse): Promise<void> {
  await readForm(req);
  await provider.interactionFinished(
    req,
    res,
    { error: 'access_denied', error_description: 'End-User aborted interaction' },
    { mergeWithLastSubmission: false },
  );
}

/**
 * The IdP's own login, second-factor and consent pages, mounted in front of `provider.callback()`.
 *
 * `GET /interaction/:uid` renders the form the pending prompt needs; `POST …/login`, `…/otp`,
 * `…/confirm` and `…/abort` finish it. No CSRF token is needed: oidc-provider binds the interaction to a SameSite=Lax
 * cookie scoped to `/interaction/:uid`, which a cross-site POST does not carry.
 */
export function createInteractionHandler(provider: Provider): InteractionHandler {
  return async (req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://idp.invalid');
    const match = ROUTE.exec(pathname);
    if (!match) return false;
    const [, uid, action] = match;
    try {
      const expected = action ? 'POST' : 'GET';
      if (req.method !== expected) {
        res.setHeader('allow', expected);
        throw new HttpError(405, 'method not allowed');
      }
      const interaction = await provider.interactionDetails(req, res);
      if (interaction.uid !== uid) {
        throw new HttpError(400, 'this sign-in page is out of date; start again from the application');
      }
      if (!action) {
        await renderPrompt(provider, res, interaction);
      } else if (action === 'abort') {
        await abort(provider, req, res);
      } else {
        if (interaction.prompt.name !== PROMPT_OF_ACTION[action]) {
          throw new HttpError(400, 'this step of the sign-in is already done; start again from the application');
        }
        const submit = action === 'login' ? submitLogin : action === 'otp' ? submitOneTimeCode : submitConsent;
        await submit(provider, req, res, interaction);
      }
    } catch (error) {
      if (res.headersSent) throw error;
      if (error instanceof errors.SessionNotFound) {
        sendHtml(
          res,
          400,
          errorPage('Sign-in expired', {
            error: 'session_not_found',
            error_description: 'This sign-in attempt has expired or was already completed. Start again from the application.',
          }),
        );
      } else if (error instanceof HttpError) {
        sendHtml(res, error.status, errorPage('Cannot continue', { error_description: error.message }));
      } else {
        throw error;
      }
    }
    return true;
  };
}
