import { BffError } from '@cloakroom/react';

/** Shows an error with its stable problem `code`, which is what support (and the e2e tests) look for. */
export function ErrorMessage({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  const code = error instanceof BffError ? error.code : 'unexpected_error';
  const message =
    error instanceof BffError ? (error.detail ?? error.title) : error instanceof Error ? error.message : 'Something went wrong.';
  return (
    <p className="error" role="alert" data-testid="error">
      <code>{code}</code> {message}
    </p>
  );
}
