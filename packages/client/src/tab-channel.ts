/**
 * The BroadcastChannel that tabs of one app share (named after the BFF base path), or `null` where
 * there is none (old browsers, some servers). `onMessage` ignores what was sent: a message only
 * says "something changed, ask the BFF", never what the session now is.
 */
export function openTabChannel(name: string, onMessage: () => void): BroadcastChannel | null {
  if (typeof BroadcastChannel !== 'function') return null;
  const channel = new BroadcastChannel(name);
  channel.onmessage = onMessage;
  return channel;
}
