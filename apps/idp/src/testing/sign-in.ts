import { parseForms } from './html-form.js';
import type { HtmlForm } from './html-form.js';
import type { FollowedResponse, TestBrowser } from './test-browser.js';

/** A page a form was found on. */
export interface Page {
  readonly url: string;
  readonly html: string;
}

/** Options of {@link submitForm}. */
export interface SubmitFormOptions {
  /** Which form: its index, or a predicate. Defaults to the first form of the page. */
  form?: number | ((form: HtmlForm) => boolean);
  /** Values to fill in (replacing or adding fields). */
  fields?: Readonly<Record<string, string>>;
  /** The submit button to "click", by `name` or visible label; defaults to the first one. */
  button?: string;
}

/** Submits a form of `page` as a browser would, following the redirects that result. */
export async function submitForm(browser: TestBrowser, page: Page, options: SubmitFormOptions = {}): Promise<FollowedResponse> {
  const forms = parseForms(page.html, page.url);
  const selector = options.form ?? 0;
  const form = typeof selector === 'number' ? forms[selector] : forms.find(selector);
  if (!form) throw new Error(`no matching form on ${page.url}`);

  const values = new URLSearchParams();
  const overrides = new Map(Object.entries(options.fields ?? {}));
  for (const [name, value] of form.fields) {
    values.append(name, overrides.get(name) ?? value);
    overrides.delete(name);
  }
  for (const [name, value] of overrides) values.append(name, value);
  const wanted = options.button?.toLowerCase();
  const button =
    wanted === undefined
      ? form.buttons[0]
      : form.buttons.find((candidate) => candidate.name?.toLowerCase() === wanted || candidate.label.toLowerCase() === wanted);
  if (wanted !== undefined && !button) throw new Error(`no button "${options.button}" in the form on ${page.url}`);
  if (button?.name) values.append(button.name, button.value);

  const initiator = new URL(page.url).origin;
  if (form.method === 'GET') {
    const action = new URL(form.action);
    action.search = values.toString();
    return browser.follow(action, { initiator });
  }
  return browser.follow(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: values.toString(),
    initiator,
  });
}

/** Credentials for {@link signIn}; a `DemoUser` of `@cloakroom/idp` has all three. */
export interface SignInOptions {
  username: string;
  password: string;
  /** The second factor, for the one-time-code page (a sign-in that asks for `MFA_ACR`). */
  oneTimeCode?: string | undefined;
  /** The IdP's issuer; inferred from the first login/consent page when omitted. */
  issuer?: string;
}

/** What {@link signIn} returns. */
export interface SignInResult {
  /** The first response off the IdP's origin (e.g. the app page `returnTo` pointed at). */
  readonly response: FollowedResponse;
  /** Every URL requested, in order, across all redirects and form submissions. */
  readonly visited: readonly string[];
}

type StepKind = 'login' | 'otp' | 'consent';
type Step = { kind: StepKind; page: Page } | undefined;

async function interactionStep(response: Response): Promise<Step> {
  if (!(response.headers.get('content-type') ?? '').includes('text/html')) return undefined;
  const page = { url: response.url, html: await response.clone().text() };
  const [form] = parseForms(page.html, page.url);
  if (!form) return undefined;
  if (form.fields.some(([name]) => name === 'password') || /\/interaction\/[^/]+\/login$/.test(form.action)) {
    return { kind: 'login', page };
  }
  if (/\/interaction\/[^/]+\/otp$/.test(form.action)) return { kind: 'otp', page };
  if (/\/interaction\/[^/]+\/confirm$/.test(form.action)) return { kind: 'consent', page };
  return undefined;
}

function describe(html: string): string {
  const alert = /<p class="error"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1];
  return (alert ?? 'the login form came back').trim();
}

/**
 * Signs in through the dev IdP's pages without a browser: follows `startUrl` (say a BFF's
 * `/bff/login?returnTo=/x`), fills in and posts the login form (when the IdP asks: a browser
 * signed in there already may skip it), the one-time-code form (when the sign-in asks for a second
 * factor) and the consent form, and stops at the first response off the IdP's origin. Throws when
 * the credentials are refused, the one-time code is asked for and not given, or the flow ends on an
 * IdP (error) page.
 */
export async function signIn(
  browser: TestBrowser,
  startUrl: string | URL,
  { username, password, oneTimeCode, issuer }: SignInOptions,
): Promise<SignInResult> {
  const visited: string[] = [];
  let idpOrigin = issuer === undefined ? undefined : new URL(issuer).origin;
  let response = await browser.follow(startUrl);
  visited.push(...response.visited);
  let previous: StepKind | undefined;

  for (let submissions = 0; submissions < 10; submissions += 1) {
    const step = await interactionStep(response);
    if (!step) break;
    idpOrigin ??= new URL(step.page.url).origin;
    if (step.kind !== 'consent' && previous === step.kind) {
      throw new Error(`sign-in as ${username} failed: ${describe(step.page.html)}`);
    }
    if (step.kind === 'otp' && oneTimeCode === undefined) {
      throw new Error(`sign-in as ${username} asks for a one-time code: pass oneTimeCode`);
    }
    previous = step.kind;
    const fields = step.kind === 'login' ? { username, password } : step.kind === 'otp' ? { code: oneTimeCode! } : {};
    response = await submitForm(browser, step.page, { fields });
    visited.push(...response.visited);
  }

  if (idpOrigin !== undefined && new URL(response.url).origin === idpOrigin) {
    const body = await response.clone().text();
    const detail = /<dd>([\s\S]*?)<\/dd>/.exec(body)?.[1] ?? `HTTP ${response.status}`;
    throw new Error(`sign-in as ${username} ended on the IdP at ${response.url}: ${detail}`);
  }
  return { response, visited };
}
