// Left in sessionStorage (one per tab, kept across the trip to the IdP) by login(), so that the page
// the callback lands on knows the user has just signed in and can tell the other tabs.
// Storage may be missing (a server) or refuse access (privacy settings): then there is no mark.

/** Notes that this tab is leaving to sign in. */
export function setLoginMark(key: string): void {
  try {
    sessionStorage.setItem(key, '1');
  } catch {
    // No storage: the other tabs will catch up on focus instead.
  }
}

/** True once after {@link setLoginMark} in this tab; removes the mark. */
export function takeLoginMark(key: string): boolean {
  try {
    const marked = sessionStorage.getItem(key) !== null;
    sessionStorage.removeItem(key);
    return marked;
  } catch {
    return false;
  }
}
