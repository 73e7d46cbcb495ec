import { UserManager } from 'oidc-client-ts';
import type { User } from 'oidc-client-ts';
import { API_URL, userManagerSettings } from './settings.js';

const users = new UserManager(userManagerSettings(location.origin));
const root = document.querySelector('#app')!;

/** Replaces the page's content; text only (no HTML from anywhere). */
function show(...children: (string | HTMLElement)[]): void {
  root.replaceChildren(...children);
}

function element(tag: string, text: string, testId?: string): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  if (testId) node.dataset.testid = testId;
  return node;
}

function button(text: string, testId: string, onClick: () => Promise<void>): HTMLElement {
  const node = element('button', text, testId);
  node.addEventListener('click', () => void onClick());
  return node;
}

async function showSignedIn(user: User): Promise<void> {
  // The token goes from the page's storage straight to the API: the whole point of the comparison.
  const response = await fetch(`${API_URL}/orders`, { headers: { authorization: `Bearer ${user.access_token}` } });
  const orders = response.ok ? ((await response.json()) as unknown[]) : undefined;
  const name = element('strong', user.profile.name ?? user.profile.sub, 'user-name');
  const signedIn = element('p', 'Signed in as ');
  signedIn.append(name);
  show(
    signedIn,
    element('p', orders ? `${orders.length} orders` : `The orders API answered ${response.status}.`, 'orders'),
    button('Sign out', 'sign-out', () => users.signoutRedirect()),
  );
}

async function start(): Promise<void> {
  if (location.pathname === '/callback') {
    await users.signinRedirectCallback();
    history.replaceState(null, '', '/');
  }
  const user = await users.getUser();
  if (user && !user.expired) await showSignedIn(user);
  else show(button('Sign in', 'sign-in', () => users.signinRedirect()));
}

start().catch((error: unknown) => show(element('p', `Sign-in failed: ${error instanceof Error ? error.message : String(error)}`, 'error')));
