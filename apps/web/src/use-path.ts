import { useCallback, useSyncExternalStore } from 'react';

// The demo's whole router: pages told apart by the path. The BFF serves index.html for any
// path, so a reload (or the return from login) lands on the same page.

function subscribe(onChange: () => void) {
  window.addEventListener('popstate', onChange);
  return () => window.removeEventListener('popstate', onChange);
}

/** The current path, and a function that moves to another without a page load. */
export function usePath(): [path: string, goTo: (path: string) => void] {
  const path = useSyncExternalStore(subscribe, () => window.location.pathname);
  const goTo = useCallback((to: string) => {
    window.history.pushState(null, '', to);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, []);
  return [path, goTo];
}
