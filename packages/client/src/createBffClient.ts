import { BffError, endsSession, toBffError } from './BffError.js';
import { normalizeBasePath, resolveBffPath } from './bffPath.js';
import { createBffFetch } from './createBffFetch.js';
import { createEmitter } from './emitter.js';
import { atExpiry } from './expiryTimer.js';
import { watchFocus } from './focusWatcher.js';
import { takeLoginError } from './loginError.js';
import { setLoginMark, takeLoginMark } from './loginMark.js';
import { assignLocation, currentRelativeUrl, isAbsoluteHttpUrl } from './navigation.js';
import { sessionEvent } from './sessionEvents.js';
import { errorState, LOADING_STATE, parseSessionResponse, reuseIfEqual, UNAUTHENTICATED_STATE } from './sessionState.js';
import { singleFlight } from './singleFlight.js';
import { createStore } from './store.js';
import { openTabChannel } from './tabChannel.js';
import type { BffClient, BffClientEvent, BffClientOptions, FetchLike, LoginOptions, LogoutOptions, SessionState, User } from './types.js';

/** Body of `POST /logout`. */
interface LogoutResponse {
  endSessionUrl?: unknown;
}

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
  // Set by logout(): `loggingOut` until it fails (or for good: the user signed out here), `leaving` until
  // the page is left too, or until logout() resolves on a page that stays. While leaving, nothing automatic runs.
  let loggingOut = false;
  let leaving = false;
  // Open only while the store has subscribers (see whileObserved below).
  let channel: BroadcastChannel | null = null;
  let observed = false;
  let watchedExpiry: number | null = null;
  let stopExpiryTimer = () => {};

  /** Keeps one timer on the current `expiresAt` while observed; a re-check that brings the same one sets none. */
  const watchExpiry = () => {
    const expiresAt = observed ? store.get().expiresAt : null;
    if (expiresAt === watchedExpiry) return;
    stopExpiryTimer();
    watchedExpiry = expiresAt;
    stopExpiryTimer = atExpiry(expiresAt, () => void load('expiry'));
  };

  const store = createStore<SessionState<TUser>>(LOADING_STATE, () => {
    observed = true;
    if (crossTab) channel = openTabChannel(channelName, onTabMessage);
    const stopWatchingFocus = refetchOnFocus ? watchFocus(onFocus) : undefined;
    watchExpiry();
    return () => {
      observed = false;
      channel?.close();
      channel = null;
      stopWatchingFocus?.();
      watchExpiry();
    };
  });

  const update = (next: SessionState<TUser>, expired: boolean, tellOtherTabs: boolean) => {
    const before = store.get();
    store.set(reuseIfEqual(before, { ...next, loginError: before.loginError }));
    watchExpiry();
    const event = sessionEvent(before, store.get(), expired, () => takeLoginMark(loginMarkKey));
    if (!event) return;
    events.emit(event);
    // A channel never hears itself, so this tab does not refetch its own news.
    if (tellOtherTabs) channel?.postMessage(event);
  };

  /** The BFF says the session is over (a 401, or logout): final, whatever a pending /session says. */
  const endSession = (expired: boolean) => {
    generation += 1;
    load.forget();
    update(UNAUTHENTICATED_STATE, expired, true);
  };

  const bffFetch = createBffFetch({ basePath, fetch, onSessionEnded: () => endSession(true) });
  // For /session and /logout, which handle a 401 themselves.
  const sessionFetch = createBffFetch({ basePath, fetch });

  const load = singleFlight(async (cause: LoadCause): Promise<SessionState<TUser>> => {
    // A focus, another tab or the expiry timer must not move the state of a page that is signing out.
    if (leaving && cause !== 'refresh') return store.get();
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
    if (startedAt === generation) update(next, ended || cause === 'expiry', cause === 'refresh');
    return store.get();
  });

  const onFocus = () => {
    if (Date.now() - lastRequestAt >= focusThrottleMs) void load('focus');
  };

  // Another tab saw a change: ask the BFF, after any request in flight (its answer may predate the change).
  const onTabMessage = () => void load.idle().then(() => load('tab'));

  const login = ({ returnTo = currentRelativeUrl(), ...parameters }: LoginOptions = {}) => {
    setLoginMark(loginMarkKey);
    const query = new URLSearchParams({ returnTo });
    for (const [name, value] of Object.entries(parameters)) if (value != null) query.set(name, String(value));
    navigate(`${basePath}/login?${query}`);
  };

  const logout = async ({ returnTo }: LogoutOptions = {}) => {
    // Refused before anything happens: `navigate` may follow it below.
    if (returnTo) resolveBffPath('', returnTo);
    loggingOut = leaving = true;
    // A /session answer already on its way must not move the state either.
    generation += 1;
    let endSessionUrl: unknown = null;
    try {
      ({ endSessionUrl } = await sessionFetch.json<LogoutResponse>(returnTo ? `/logout?${new URLSearchParams({ returnTo })}` : '/logout', { method: 'POST' }));
    } catch (error) {
      // Already signed out on the server: the goal is reached. Anything else is the caller's to show.
      if (!(error instanceof BffError && endsSession(error))) {
        loggingOut = leaving = false;
        throw error;
      }
    }
    endSession(false);
    const next = typeof endSessionUrl === 'string' && isAbsoluteHttpUrl(endSessionUrl) ? endSessionUrl : returnTo;
    // Staying: the client watches again, but `loggingOut` stays, so nothing signs the user back in by itself.
    if (next) navigate(next);
    else leaving = false;
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
    isLoggingOut: () => loggingOut,
    clearLoginError: () => void (store.get().loginError && setLoginError(null)),
    on: events.on,
  };
}
