import { useSession } from '@cloakroom/react';

/**
 * What a person reads when the BFF sent them back from a failed sign-in or sign-out: the BFF puts
 * only a stable code in the URL (`?cloakroom_error=…`), the SDK takes it out, and the app words it.
 */
const MESSAGES: Record<string, string> = {
  invalid_callback: 'That sign-in could not be completed: it was already used, it expired, or it did not start here. Please sign in again.',
  login_failed: 'Sign-in was cancelled or refused by the identity provider.',
  idp_unavailable: 'The sign-in service cannot be reached right now. Please try again in a moment.',
  idp_rejected: 'The sign-in service refused this app. If it keeps happening, please tell us.',
  invalid_request: 'That sign-in link was not valid. Please sign in again.',
};

export function SignInProblem() {
  const { loginError, clearLoginError } = useSession();
  if (!loginError) return null;
  return (
    <p className="error" role="alert" data-testid="login-error">
      {MESSAGES[loginError] ?? 'Sign-in did not work.'} <code>{loginError}</code>{' '}
      <button type="button" className="link" data-testid="dismiss-login-error" onClick={clearLoginError}>
        Dismiss
      </button>
    </p>
  );
}
