import type { LogoutResponse } from '@cloakroom/protocol';
import { BffError, endsSession, toBffError } from './bff-error.js';
import { normalizeBasePath, resolveBffPath } from './bff-path.js';
import { createBffFetch } from './create-bff-fetch.js';
import { createEmitter } from './emitter.js';
import { takeLoginError } from './login-error.js';
import { setLoginMark, takeLoginMark } from './login-mark.js';
import { assignLocation, currentRelativeUrl, isAbsoluteHttpUrl } from './navigation.js';
import { sessionEvent } from './session-events.js';
import { errorState, LOADING_STATE, parseSessionResponse, reuseIfEqual, UNAUTHENTICATED_STATE } from './session-state.js';
import { createSessionWatchers } from './session-watchers.js';
import { singleFlight } from './single-flight.js';
import { createStore, type Store } from './store.js';
import type { BffClient, BffClientEvent, BffClientOptions, FetchLike, LoginOptions, LogoutOptions, SessionState, User } from './types.js';

/**
 * Why `/session` is fetched. Only an explicit `refresh()` tells the other tabs what it finds:
 * a refetch that a message, a focus or a timer caused must not echo back to every tab.
 */
type LoadCause = 'refresh' | 'focus' | 'tab' | 'expiry';

/**
 * Creates the browser's handle on a Cloakroom BFF. Nothing happens until it is used (no request,
 * no `window` access), so it is safe to create on a server or during a render; call
 * {@link BffClient.refresh} to load the session.
 *
 * @example
 * const client = createBffClient({ basePath: '/bff' });
 * client.subscribe(() => console.log(client.getSnapshot()));
 * client.on('sessionExpired', () => alert('Your session has ended.'));
 * await client.refresh();
 */
export function createBffClient<TUser = User>(options: BffClientOptions = {}): BffClient<TUser> {
  const basePath = normalizeBasePath(options.basePath ?? '/bff');
  // Looked up per call, not at creation: a polyfill or test stub installed later still applies.
  const fetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const { navigate = assignLocation, refetchOnFocus = true, focusThrottleMs = 5000, crossTab = true } = options;
  // One name per BFF: the tabs of one app hear each other, and no other app on the origin.
  const channelName = `cloakroom:${basePath}`;
  const loginMarkKey = `${channelName}:login`;

  const events = createEmitter<BffClientEvent>();
  // Bumped by every authoritative local change (logout, a 401), so that a /session answer
  // already on its way cannot bring back a session we know is gone.
  let generation = 0;
  let lastRequestAt = -Infinity;
  // Set by logout(): 'leaving' until it fails or the page is left (or logout() resolves on a page that
  // stays: then 'stayed', for good). While leaving, nothing automatic runs; once signed out here,
  // nothing signs the user back in by itself.
  let signOut: 'none' | 'leaving' | 'stayed' = 'none';

  const watchers = createSessionWatchers({
    channelName: crossTab ? channelName : null,
    onFocus: refetchOnFocus ? () => void (Date.now() - lastRequestAt >= focusThrottleMs && load('focus')) : null,
    // Another tab saw a change: ask the BFF, after any request in flight (its answer may predate the change).
    onTabMessage: () => void load.idle().then(() => load('tab')),
    onExpiry: () => void load('expiry'),
  });
  const store: Store<SessionState<TUser>> = createStore<SessionState<TUser>>(LOADING_STATE, () => watchers.start(store.get().expiresAt));

  /**
   * Sets the state the BFF gave. `expired`: the session ended by itself (the event says so);
   * `broadcast`: the other tabs are told (only what an explicit refresh or logout found).
   */
  const update = (next: SessionState<TUser>, { expired, broadcast }: { expired: boolean; broadcast: boolean }) => {
    const before = store.get();
    store.set(reuseIfEqual(before, { ...next, loginError: before.loginError }));
    watchers.expiryChanged(store.get().expiresAt);
    const event = sessionEvent(before, store.get(), expired, () => takeLoginMark(loginMarkKey));
    if (!event) return;
    events.emit(event);
    if (broadcast) watchers.tellOtherTabs(event);
  };

  /** The BFF says the session is over (a 401, or logout): final, whatever a pending /session says. */
  const endSession = (expired: boolean) => {
    generation += 1;
    load.forget();
    update(UNAUTHENTICATED_STATE, { expired, broadcast: true });
  };

  const bffFetch = createBffFetch({ basePath, fetch, onSessionEnded: () => endSession(true) });
  // For /session and /logout, which handle a 401 themselves.
  const sessionFetch = createBffFetch({ basePath, fetch });

  const load = singleFlight(async (cause: LoadCause): Promise<SessionState<TUser>> => {
    // A focus, another tab or the expiry timer must not move the state of a page that is signing out.
    if (signOut === 'leaving' && cause !== 'refresh') return store.get();
    const startedAt = generation;
    lastRequestAt = Date.now();
    let next: SessionState<TUser>;
    let ended = false;
    try {
      next = parseSessionResponse<TUser>(await sessionFetch.json('/session'));
    } catch (caught) {
      const error = toBffError(caught);
      ended = endsSession(error);
      next = ended ? UNAUTHENTICATED_STATE : errorState(store.get(), error);
    }
    if (startedAt === generation) update(next, { expired: ended || cause === 'expiry', broadcast: cause === 'refresh' });
    return store.get();
  });

  const login = ({ returnTo = currentRelativeUrl(), acrValues, maxAge, ...parameters }: LoginOptions = {}) => {
    setLoginMark(loginMarkKey);
    const query = new URLSearchParams({ returnTo });
    // The step-up names win: `login({ ...error.stepUp })` must ask for exactly what the API wants.
    const all = { ...parameters, acr_values: acrValues?.join(' ') || parameters.acr_values, max_age: maxAge ?? parameters.max_age };
    for (const [name, value] of Object.entries(all)) if (value != null) query.set(name, String(value));
    navigate(`${basePath}/login?${query}`);
  };

  const logout = async ({ returnTo }: LogoutOptions = {}) => {
    // Refused before anything happens: `navigate` may follow it below.
    if (returnTo) resolveBffPath('', returnTo);
    signOut = 'leaving';
    // A /session answer already on its way must not move the state either.
    generation += 1;
    let endSessionUrl: unknown = null;
    try {
      ({ endSessionUrl } = await sessionFetch.json<Partial<LogoutResponse>>(
        returnTo ? `/logout?${new URLSearchParams({ returnTo })}` : '/logout',
        { method: 'POST' },
      ));
    } catch (error) {
      // Already signed out on the server: the goal is reached. Anything else is the caller's to show.
      if (!(error instanceof BffError && endsSession(error))) {
        signOut = 'none';
        throw error;
      }
    }
    endSession(false);
    const next = typeof endSessionUrl === 'string' && isAbsoluteHttpUrl(endSessionUrl) ? endSessionUrl : returnTo;
    // Staying: the client watches again, but still counts as signed out here.
    if (next) navigate(next);
    else signOut = 'stayed';
  };

  const setLoginError = (loginError: string | null) => store.set({ ...store.get(), loginError });

  return {
    basePath,
    getSnapshot: store.get,
    subscribe: store.subscribe,
    refresh: () => {
      // Here, not at creation: on a server, or during a render, the URL must not be touched.
      takeLoginError(setLoginError);
      return load('refresh');
    },
    bffFetch,
    login,
    logout,
    isLoggingOut: () => signOut !== 'none',
    clearLoginError: () => void (store.get().loginError && setLoginError(null)),
    on: events.on,
  };
}
