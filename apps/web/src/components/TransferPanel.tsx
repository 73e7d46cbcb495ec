import { useSession } from '@cloakroom/react';
import { useState } from 'react';
import type { FormEvent } from 'react';
import { signedInSince, useTransfer } from '../use-transfer.js';
import { ErrorMessage } from './ErrorMessage.js';

/**
 * Step-up authentication: a transfer needs a recent sign-in with a second factor (the API's
 * `requireAcr`). The first try sends the user to the IdP for it; back here, one more click sends it.
 */
export function TransferPanel() {
  const { acr, authTime } = useSession();
  const { pending, done, error, sending, send } = useTransfer();
  const [to, setTo] = useState(pending?.to ?? '');
  const [amount, setAmount] = useState(pending?.amount ?? '');

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void send({ ...pending, to, amount });
  };

  return (
    <section className="panel" aria-labelledby="transfer-title" aria-busy={sending}>
      <h2 id="transfer-title">Transfer</h2>
      <p className="muted">
        A transfer asks for a second factor within the last 5 minutes. You signed in with{' '}
        <code data-testid="session-acr">{acr ?? 'unknown'}</code>.
      </p>
      {signedInSince(pending, authTime) && !done && (
        <p className="notice" role="status" data-testid="transfer-confirm">
          You have verified it is you. Check the transfer and send it.
        </p>
      )}
      <ErrorMessage error={error} />
      {done ? (
        <p className="notice" role="status" data-testid="transfer-done">
          Sent {done.amount} to {done.to}.
        </p>
      ) : (
        <form className="new-order" onSubmit={submit}>
          <input
            data-testid="transfer-to"
            aria-label="Recipient"
            placeholder="Recipient"
            value={to}
            onChange={(event) => setTo(event.target.value)}
            required
          />
          <input
            data-testid="transfer-amount"
            aria-label="Amount"
            placeholder="Amount"
            type="number"
            min={1}
            max={10000}
            step={1}
            value={amount}
            onChange={(event) => setAmount(event.target.value)}
            required
          />
          <button type="submit" data-testid="transfer-submit" disabled={sending}>
            Transfer
          </button>
        </form>
      )}
    </section>
  );
}
