import { useBffClient } from '@cloakroom/react';
import type { BffClientEvent } from '@cloakroom/react';
import { useEffect, useState } from 'react';

const DESCRIPTIONS: Record<BffClientEvent, string> = {
  signedIn: 'signed in',
  signedOut: 'signed out (here or in another tab)',
  sessionExpired: 'session expired',
};

/**
 * What the client's events look like to a user: a notice when the session has expired under them,
 * and a short log of session events (open a second tab and sign out there to see one arrive).
 */
export function SessionNotices() {
  const client = useBffClient();
  const [expired, setExpired] = useState(false);
  const [log, setLog] = useState<{ event: BffClientEvent; at: string }[]>([]);

  useEffect(() => {
    const record = (event: BffClientEvent) => () => {
      setExpired(event === 'sessionExpired');
      setLog((entries) => [{ event, at: new Date().toLocaleTimeString() }, ...entries].slice(0, 3));
    };
    const stops = (['signedIn', 'signedOut', 'sessionExpired'] as const).map((event) => client.on(event, record(event)));
    return () => stops.forEach((stop) => stop());
  }, [client]);

  return (
    <>
      {expired && (
        <p className="notice" role="status" data-testid="session-expired">
          Your session has ended. Sign in again to carry on.
        </p>
      )}
      {log.length > 0 && (
        <ul className="event-log muted" aria-label="Session events">
          {log.map((entry, index) => (
            <li key={`${entry.at}-${index}`}>
              {entry.at}: {DESCRIPTIONS[entry.event]}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
