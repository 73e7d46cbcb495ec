import { timingSafeEqual } from 'node:crypto';
import type { Account, FindAccount } from 'oidc-provider';

/** A demo end-user of the dev IdP. Passwords are in clear text on purpose: this is a dev fixture. */
export interface DemoUser {
  /** Stable subject identifier (`sub`). */
  readonly sub: string;
  readonly username: string;
  readonly password: string;
  readonly name: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly email: string;
  readonly emailVerified: boolean;
  /**
   * The user's second factor: a fixed one-time code, asked for after the password when a sign-in
   * needs {@link MFA_ACR}. Fixed and shown on the page on purpose: this is a dev fixture.
   */
  readonly oneTimeCode: string;
}

/** Alice, the first demo user. */
export const ALICE: DemoUser = Object.freeze({
  sub: 'alice',
  username: 'alice',
  password: 'alice-password',
  name: 'Alice Anderson',
  givenName: 'Alice',
  familyName: 'Anderson',
  email: 'alice@example.com',
  emailVerified: true,
  oneTimeCode: '123456',
});

/** Bob, the second demo user (handy for "another user cannot see my data" tests). */
export const BOB: DemoUser = Object.freeze({
  sub: 'bob',
  username: 'bob',
  password: 'bob-password',
  name: 'Bob Brown',
  givenName: 'Bob',
  familyName: 'Brown',
  email: 'bob@example.com',
  emailVerified: true,
  oneTimeCode: '654321',
});

/**
 * The `acr` (authentication context class reference) of a sign-in with username and password.
 * ID tokens and users' access tokens carry it (OIDC Core §2, RFC 9068 §2.2.1), so an API can ask
 * for more with step-up authentication (RFC 9470) and see the answer.
 */
export const PASSWORD_ACR = 'urn:cloakroom:acr:password';

/**
 * The `acr` of a sign-in with the password and a second factor (the user's one-time code, `amr`
 * `['pwd', 'otp']`). An authorization request whose `acr_values` name it, and no `acr` the user's
 * IdP session already has, gets the one-time-code page after the password (or alone, when the
 * session is recent enough).
 */
export const MFA_ACR = 'urn:cloakroom:acr:mfa';

/** All demo users. */
export const DEMO_USERS: readonly DemoUser[] = Object.freeze([ALICE, BOB]);

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Constant-time compare; the length check leaks only the length, which is fine for a dev IdP.
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Checks a username/password pair; resolves the user or `undefined` on any mismatch. */
export function authenticate(username: string, password: string): DemoUser | undefined {
  const user = DEMO_USERS.find((candidate) => candidate.username === username.trim().toLowerCase());
  return user && sameSecret(user.password, password) ? user : undefined;
}

/** Checks a user's one-time code (the second factor). */
export function verifyOneTimeCode(user: DemoUser, code: string): boolean {
  return sameSecret(user.oneTimeCode, code.trim());
}

/** Looks a demo user up by `sub`. */
export function findUser(sub: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.sub === sub);
}

/** The standard claims of a user; oidc-provider filters them by the granted scopes and claims. */
function claimsOf(user: DemoUser): Record<string, unknown> {
  return {
    sub: user.sub,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    preferred_username: user.username,
    email: user.email,
    email_verified: user.emailVerified,
  };
}

/** oidc-provider's `findAccount`: resolves the demo user behind a `sub`. */
export const findAccount: FindAccount = (_ctx, sub) => {
  const user = findUser(sub);
  if (!user) return undefined;
  const account: Account = { accountId: user.sub, claims: () => claimsOf(user) };
  return account;
};
