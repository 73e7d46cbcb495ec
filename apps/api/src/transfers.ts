import { randomUUID } from 'node:crypto';

/** A transfer as the API returns it: the demo's action that needs a stronger sign-in. */
export interface Transfer {
  readonly id: string;
  /** Who receives it: 1–100 characters. */
  readonly to: string;
  /** A whole amount from 1 to 10,000. */
  readonly amount: number;
  /** The `acr` of the sign-in that authorised it. */
  readonly acr: string | undefined;
  /** ISO 8601 timestamp. */
  readonly createdAt: string;
}

const MAX_RECIPIENT_LENGTH = 100;
const MAX_AMOUNT = 10_000;

/** The `{ to, amount }` of a transfer request, or `undefined` when either is missing or out of range. */
export function readTransfer(body: unknown): Pick<Transfer, 'to' | 'amount'> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { to, amount } = body as { to?: unknown; amount?: unknown };
  if (typeof to !== 'string' || typeof amount !== 'number') return undefined;
  const recipient = to.trim();
  if (recipient.length < 1 || recipient.length > MAX_RECIPIENT_LENGTH) return undefined;
  if (!Number.isInteger(amount) || amount < 1 || amount > MAX_AMOUNT) return undefined;
  return { to: recipient, amount };
}

/** A new transfer; the demo sends no money, it only records that the sign-in was strong enough. */
export function newTransfer(request: Pick<Transfer, 'to' | 'amount'>, acr: string | undefined): Transfer {
  return { id: randomUUID(), ...request, acr, createdAt: new Date().toISOString() };
}

/** Describes {@link readTransfer}'s rule, for the problem it answers. */
export const TRANSFER_RULE = `"to" must be a string of 1 to ${MAX_RECIPIENT_LENGTH} characters and "amount" a whole number from 1 to ${MAX_AMOUNT}`;
