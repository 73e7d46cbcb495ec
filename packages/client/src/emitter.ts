/** A tiny event emitter whose listeners run in a microtask, so a throwing listener cannot break the caller. */
export interface Emitter<E extends string> {
  /** Adds `listener`; returns the function that removes it. */
  on: (event: E, listener: () => void) => () => void;
  emit: (event: E) => void;
}

export function createEmitter<E extends string>(): Emitter<E> {
  const entries = new Set<{ event: E; listener: () => void }>();
  return {
    on: (event, listener) => {
      const entry = { event, listener };
      entries.add(entry);
      return () => void entries.delete(entry);
    },
    emit: (event) => {
      for (const entry of entries) if (entry.event === event) queueMicrotask(entry.listener);
    },
  };
}
