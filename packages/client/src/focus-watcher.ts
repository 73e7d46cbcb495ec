/**
 * Calls `onReturn` when the window regains focus or the page becomes visible again (switching tabs
 * fires both: the caller throttles). Returns the function that stops watching; a no-op without a DOM.
 */
export function watchFocus(onReturn: () => void): () => void {
  if (typeof document === 'undefined') return () => {};
  const controller = new AbortController();
  const options = { signal: controller.signal };
  const onEvent = () => {
    if (document.visibilityState === 'visible') onReturn();
  };
  window.addEventListener('focus', onEvent, options);
  document.addEventListener('visibilitychange', onEvent, options);
  return () => controller.abort();
}
