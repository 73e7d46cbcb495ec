import { atExpiry } from './expiry-timer.js';
import { watchFocus } from './focus-watcher.js';
import { openTabChannel } from './tab-channel.js';
import type { BffClientEvent } from './types.js';

/** What the watchers call, and which of them run. */
export interface SessionWatcherOptions {
  /** The channel this app's tabs share; `null`: no cross-tab news. */
  channelName: string | null;
  /** The window regained focus or the page became visible; `null`: focus is not watched. */
  onFocus: (() => void) | null;
  /** Another tab says something changed (never what: the BFF is asked). */
  onTabMessage: () => void;
  /** The session's `expiresAt` has passed. */
  onExpiry: () => void;
}

/**
 * What makes the client look at `/session` again by itself: another tab's news, the window's focus,
 * and a timer on the session's expiry. They run only between {@link SessionWatchers.start} and the
 * function it returns (while the client is observed), so an unobserved client costs nothing.
 */
export interface SessionWatchers {
  /** Starts watching, with the session's current `expiresAt`; returns the function that stops. */
  start(expiresAt: number | null): () => void;
  /** Keeps one timer on `expiresAt` while watching; the same `expiresAt` again sets none. */
  expiryChanged(expiresAt: number | null): void;
  /** Tells the other tabs (a channel never hears itself, so this tab does not refetch its own news). */
  tellOtherTabs(event: BffClientEvent): void;
}

export function createSessionWatchers({ channelName, onFocus, onTabMessage, onExpiry }: SessionWatcherOptions): SessionWatchers {
  let watching = false;
  let channel: BroadcastChannel | null = null;
  let timedExpiry: number | null = null;
  let stopTimer = () => {};

  const expiryChanged = (expiresAt: number | null) => {
    const next = watching ? expiresAt : null;
    if (next === timedExpiry) return;
    stopTimer();
    timedExpiry = next;
    stopTimer = atExpiry(next, onExpiry);
  };

  return {
    start(expiresAt) {
      watching = true;
      if (channelName) channel = openTabChannel(channelName, onTabMessage);
      const stopWatchingFocus = onFocus && watchFocus(onFocus);
      expiryChanged(expiresAt);
      return () => {
        watching = false;
        channel?.close();
        channel = null;
        stopWatchingFocus?.();
        expiryChanged(null);
      };
    },
    expiryChanged,
    tellOtherTabs: (event) => channel?.postMessage(event),
  };
}
