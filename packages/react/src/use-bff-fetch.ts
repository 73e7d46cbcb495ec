import type { BffFetch } from '@cloakroom/client';
import { useBffClient } from './use-bff-client.js';

/**
 * The {@link BffFetch} of the nearest {@link AuthProvider}'s client: `fetch` through the BFF, with the
 * CSRF header and the session cookie, plus `.json()`. Stable across renders.
 *
 * @example
 * const bffFetch = useBffFetch();
 * const orders = await bffFetch.json<Order[]>('/api/orders/orders');
 */
export function useBffFetch(): BffFetch {
  return useBffClient().bffFetch;
}
