import { useNow } from '../use-now.js';

/** When the session ends (`expiresAt`, epoch seconds), with a countdown. The client re-checks at that time by itself. */
export function SessionExpiry({ expiresAt }: { expiresAt: number | null }) {
  const now = useNow(1000);
  if (expiresAt === null) return null;
  const secondsLeft = Math.max(0, Math.round(expiresAt - now / 1000));
  const left = secondsLeft >= 120 ? `${Math.round(secondsLeft / 60)} min` : `${secondsLeft} s`;
  return (
    <span className="muted" data-testid="session-expiry">
      Session ends at <time dateTime={new Date(expiresAt * 1000).toISOString()}>{new Date(expiresAt * 1000).toLocaleTimeString()}</time> (in{' '}
      {left})
    </span>
  );
}
