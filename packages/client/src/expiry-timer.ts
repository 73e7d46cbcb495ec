/** `setTimeout` runs a longer delay at once (it overflows 32 bits); sessions that long are left to focus refetches. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A second past `expiresAt`, so that the BFF agrees it has passed even if clocks differ a little. */
const GRACE_MS = 1000;

/**
 * Calls `callback` once, just after `expiresAt` (epoch seconds). An `expiresAt` already past when
 * called (or `null`) schedules nothing: re-checking it again and again could only loop.
 * Returns the cancel function.
 */
export function atExpiry(expiresAt: number | null, callback: () => void): () => void {
  const wait = (expiresAt ?? 0) * 1000 - Date.now();
  const timer = wait > 0 && wait < MAX_TIMEOUT_MS ? setTimeout(callback, wait + GRACE_MS) : undefined;
  return () => clearTimeout(timer);
}
