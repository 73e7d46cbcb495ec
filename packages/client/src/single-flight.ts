/** A task whose concurrent runs share one promise. */
export interface SingleFlight<A extends unknown[], T> {
  /** Starts a run with `args`, or joins the one in flight (whose `args` then apply). */
  (...args: A): Promise<T>;
  /** Lets the next call start afresh even if a run is still in flight (its result is then someone else's concern). */
  forget: () => void;
  /** Settles once the run in flight, if any, has settled: to start a run that surely begins after it. */
  idle: () => Promise<unknown>;
}

/** Wraps `task` so that calls made while it runs get the running promise instead of a second run. */
export function singleFlight<A extends unknown[], T>(task: (...args: A) => Promise<T>): SingleFlight<A, T> {
  let inFlight: Promise<T> | null = null;

  const run = (...args: A) => {
    if (inFlight) return inFlight;
    const current = task(...args).finally(() => {
      if (inFlight === current) inFlight = null;
    });
    return (inFlight = current);
  };

  return Object.assign(run, {
    forget: () => {
      inFlight = null;
    },
    idle: () => inFlight ?? Promise.resolve(),
  });
}
