import { useBffFetch } from '@cloakroom/react';
import { useCallback, useEffect, useState } from 'react';
import { ORDERS_PATH } from './order.js';
import type { Order } from './order.js';

/** The user's orders through the BFF: loaded on mount, reloadable, and creatable. */
export function useOrders() {
  const bffFetch = useBffFetch();
  const [orders, setOrders] = useState<Order[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  // True from the start: the mount effect below begins the first load.
  const [loading, setLoading] = useState(true);
  const [creating, setCreating] = useState(false);

  // Applies an orders request to the state once it settles (never synchronously, so it may start in an effect).
  const fetchOrders = useCallback(
    (signal?: AbortSignal) =>
      bffFetch.json<Order[]>(ORDERS_PATH, signal ? { signal } : {}).then(
        (loaded) => {
          setOrders(loaded);
          setError(null);
          setLoading(false);
        },
        (caught: unknown) => {
          // Unmounted (or StrictMode's trial unmount): nobody is waiting for this answer.
          if (signal?.aborted) return;
          setError(caught);
          setLoading(false);
        },
      ),
    [bffFetch],
  );

  const reload = useCallback(() => {
    setLoading(true);
    void fetchOrders();
  }, [fetchOrders]);

  const create = useCallback(
    async (item: string): Promise<boolean> => {
      setCreating(true);
      try {
        await bffFetch.json<Order>(ORDERS_PATH, { method: 'POST', body: { item } });
      } catch (caught) {
        setError(caught);
        return false;
      } finally {
        setCreating(false);
      }
      setLoading(true);
      await fetchOrders();
      return true;
    },
    [bffFetch, fetchOrders],
  );

  useEffect(() => {
    const controller = new AbortController();
    void fetchOrders(controller.signal);
    return () => controller.abort();
  }, [fetchOrders]);

  return { orders, error, loading, creating, reload, create };
}
