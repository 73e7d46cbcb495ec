import type { Adapter, AdapterPayload } from 'oidc-provider';

/** Models whose entries belong to a grant, so that revoking the grant removes them. */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/** Entries kept past their expiry so oidc-provider can still say "expired" (its clockTolerance). */
const GRACE_MS = 15_000;
/** Upper bound on stored entries; the dev IdP must not grow without limit in a long `pnpm dev`. */
const MAX_ENTRIES = 100_000;

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

/** The storage of one issuer: entries plus the secondary indexes oidc-provider looks things up by. */
class Store {
  readonly entries = new Map<string, Entry>();
  readonly sessionUids = new Map<string, string>();
  readonly userCodes = new Map<string, string>();
  readonly grants = new Map<string, Set<string>>();

  get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, payload: AdapterPayload, expiresIn: number | undefined): void {
    this.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.evict();
    const expiresAt = expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000 + GRACE_MS;
    this.entries.set(key, { payload: structuredClone(payload), expiresAt });
    const model = key.slice(0, key.indexOf(':'));
    if (model === 'Session' && payload.uid) this.sessionUids.set(payload.uid, key);
    if (payload.userCode) this.userCodes.set(payload.userCode, key);
    if (payload.grantId && GRANTABLE.has(model)) {
      const members = this.grants.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      this.grants.set(payload.grantId, members);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const { uid, userCode, grantId } = entry.payload;
    if (uid && this.sessionUids.get(uid) === key) this.sessionUids.delete(uid);
    if (userCode && this.userCodes.get(userCode) === key) this.userCodes.delete(userCode);
    if (grantId) {
      const members = this.grants.get(grantId);
      members?.delete(key);
      if (members?.size === 0) this.grants.delete(grantId);
    }
  }

  /** Drops expired entries, then the oldest ones, until there is room again. */
  evict(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.delete(key);
    for (const key of this.entries.keys()) {
      if (this.entries.size < MAX_ENTRIES * 0.9) break;
      this.delete(key);
    }
  }
}

/** One store per issuer, for the life of the process. */
const stores = new Map<string, Store>();

/**
 * oidc-provider's storage for the dev IdP: in memory, but process-wide per issuer, so that an IdP
 * restarted on the same port keeps its sessions, grants and refresh tokens (oidc-provider v9's own
 * memory adapter is per Provider instance and would lose them), while IdPs on other ports in the
 * same process stay isolated.
 */
export class ProcessMemoryAdapter implements Adapter {
  readonly #store: Store;

  constructor(
    readonly model: string,
    issuer: string,
  ) {
    let store = stores.get(issuer);
    if (!store) {
      store = new Store();
      stores.set(issuer, store);
    }
    this.#store = store;
  }

  #key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    this.#store.set(this.#key(id), payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const entry = this.#store.get(this.#key(id));
    return entry && structuredClone(entry.payload);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const key = this.#store.sessionUids.get(uid);
    const entry = key === undefined ? undefined : this.#store.get(key);
    return entry && structuredClone(entry.payload);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const key = this.#store.userCodes.get(userCode);
    const entry = key === undefined ? undefined : this.#store.get(key);
    return entry && structuredClone(entry.payload);
  }

  async consume(id: string): Promise<void> {
    const entry = this.#store.get(this.#key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.#store.delete(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of [...(this.#store.grants.get(grantId) ?? [])]) this.#store.delete(key);
    this.#store.grants.delete(grantId);
  }
}

/** The `adapter` option for a Provider with the given issuer. */
export function processAdapter(issuer: string): (model: string) => ProcessMemoryAdapter {
  return (model) => new ProcessMemoryAdapter(model, issuer);
}
