import { BffError, useBffFetch, useSession } from '@cloakroom/react';
import { useCallback, useState } from 'react';
import { TRANSFER_PAGE, TRANSFERS_PATH } from './transfer.js';
import type { Transfer } from './transfer.js';

/** What the user asked to transfer, and, once sent to the IdP for it, when they had last signed in then. */
export interface TransferRequest {
  to: string;
  amount: string;
  /** The session's `authTime` when the user left for the IdP (`null`: unknown). */
  leftAfterSignInAt?: number | null;
}

/** The user has signed in again since leaving for the IdP with `request` (a cancel there changes nothing). */
export function signedInSince(request: TransferRequest | null, authTime: number | null): boolean {
  return request?.leftAfterSignInAt !== undefined && authTime !== request.leftAfterSignInAt;
}

// Kept in this tab across the trip to the IdP, so that the form is filled in again on the way back.
const PENDING = 'cloakroom-demo:pending-transfer';

function readPending(): TransferRequest | null {
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
    return typeof value === 'object' && value !== null ? (value as TransferRequest) : null;
  } catch {
    return null;
  }
}

function writePending(request: TransferRequest | null): void {
  try {
    if (request) sessionStorage.setItem(PENDING, JSON.stringify(request));
    else sessionStorage.removeItem(PENDING);
  } catch {
    // No storage: the form is simply empty on the way back.
  }
}

/**
 * Sends a transfer through the BFF. When the API wants a stronger sign-in (`step_up_required`), the
 * user is sent to the IdP with what it asks for and comes back to the transfer page, the form filled
 * in again, to confirm it: a redirect the user did not ask for must not move money by itself. If a
 * new sign-in still falls short, the error is shown instead of going round again.
 */
export function useTransfer() {
  const bffFetch = useBffFetch();
  const { login, authTime } = useSession();
  // Read once: what the user asked for before the trip to the IdP.
  const [pending] = useState(readPending);
  const [done, setDone] = useState<Transfer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [sending, setSending] = useState(false);

  const send = useCallback(
    async (request: TransferRequest) => {
      setSending(true);
      setError(null);
      try {
        const transfer = await bffFetch.json<Transfer>(TRANSFERS_PATH, {
          method: 'POST',
          body: { to: request.to, amount: Number(request.amount) },
        });
        writePending(null);
        setDone(transfer);
      } catch (caught) {
        // Signed in again for it, and still not enough: the IdP cannot give what the API wants.
        if (caught instanceof BffError && caught.stepUp && !signedInSince(request, authTime)) {
          writePending({ to: request.to, amount: request.amount, leftAfterSignInAt: authTime });
          login({ ...caught.stepUp, returnTo: TRANSFER_PAGE });
          return;
        }
        setError(caught);
      } finally {
        setSending(false);
      }
    },
    [bffFetch, login, authTime],
  );

  return { pending, done, error, sending, send };
}
