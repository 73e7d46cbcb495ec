/** A minimal external store: one value, replaced (never mutated), and listeners told after each change. */
export interface Store<T> {
  get: () => T;
  set: (next: T) => void;
  subscribe: (listener: () => void) => () => void;
}

/**
 * Creates the store. `whileObserved` runs when the first listener subscribes and the function it
 * returns when the last one leaves, so that watchers (timers, DOM listeners) cost nothing unobserved.
 */
export function createStore<T>(initial: T, whileObserved?: () => () => void): Store<T> {
  let state = initial;
  const listeners = new Set<() => void>();
  let stopObserving: (() => void) | undefined;

  return {
    get: () => state,
    set: (next) => {
      // Same object, same state: no re-render for anyone.
      if (Object.is(next, state)) return;
      state = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe: (listener) => {
      // Wrapped so that subscribing the same function twice gives two independent subscriptions.
      const entry = () => listener();
      if (!listeners.size) stopObserving = whileObserved?.();
      listeners.add(entry);
      return () => {
        if (listeners.delete(entry) && !listeners.size) stopObserving?.();
      };
    },
  };
}
