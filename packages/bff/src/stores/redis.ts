/**
 * Sessions in Redis, shared by several BFF instances: `@cloakroom/bff/redis`.
 *
 * Client: the official `redis` package (node-redis), which Redis itself maintains and recommends
 * for new projects over ioredis; it is written in TypeScript, speaks RESP3 and has promise-only
 * commands. It is an optional peer dependency: the store takes a client you created, so you choose
 * its connection options, and `@cloakroom/bff` pulls in no Redis code when you do not use it. The
 * store uses only a handful of commands, typed structurally ({@link RedisSessionStoreClient}).
 *
 * @module
 */
import { sealData, unsealData } from 'iron-session';
import { ConfigError, resolveSecrets } from '../config.js';
import { SessionLockTimeoutError, SessionStoreUnavailableError, type Session, type SessionStore } from '../session-store.js';
import { assertStorable } from './storable.js';

/**
 * The commands {@link RedisSessionStore} sends, as a node-redis (v6) client has them. A client from
 * `createClient()` of the `redis` package fits; so does any object with the same methods.
 */
export interface RedisSessionStoreClient {
  /** The options the client was created with; `disableOfflineQueue` must be `true`. */
  readonly options?: { readonly disableOfflineQueue?: boolean } | undefined;
  hGet(key: string, field: string): Promise<unknown>;
  hmGet(key: string, fields: string[]): Promise<unknown>;
  sMembers(key: string): Promise<unknown>;
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  multi(): RedisSessionStoreTransaction;
}

/** The commands {@link RedisSessionStore} queues in a `MULTI` transaction. */
export interface RedisSessionStoreTransaction {
  del(key: string): RedisSessionStoreTransaction;
  hSet(key: string, fields: Record<string, string>): RedisSessionStoreTransaction;
  pExpire(key: string, ms: number, mode?: 'NX' | 'GT'): RedisSessionStoreTransaction;
  sAdd(key: string, member: string): RedisSessionStoreTransaction;
  sRem(key: string, member: string): RedisSessionStoreTransaction;
  exec(): Promise<unknown>;
}

/** Options of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /**
   * A connected node-redis client, created with `disableOfflineQueue: true` and with an `'error'`
   * listener attached (see {@link RedisSessionStore}).
   */
  client: RedisSessionStoreClient;
  /** Prepended to every key, so that several apps (or BFFs) can share one Redis. Default `cloakroom:`. */
  prefix?: string;
  /**
   * Secret(s) sealing the sessions at rest, each at least 32 characters; keep them apart from the
   * cookie secret. Several for rotation, as for `cookieSecret`: the last in an array (or the highest
   * key in a record) seals, all unseal.
   */
  secret: string | string[] | Record<string, string>;
  /**
   * How long a refresh lock lives if its holder dies without releasing it, in ms. Make it longer
   * than a refresh takes (the IdP timeout, 10 s by default). Default 15 000.
   */
  lockTtlMs?: number;
  /** How long {@link RedisSessionStore.withLock} waits for another holder, in ms. Default 20 000. */
  lockWaitMs?: number;
}

/** Hash fields of a session key: the sealed session, and its index keys in the clear. */
const VALUE = 'value';
const SUB = 'sub';
const SID = 'sid';

/** Deletes the lock only if it is still ours: after it expired, another instance may hold it. */
const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Answers the members of an index (KEYS[1]) whose session (KEYS[2..]) still exists and still has
 * field ARGV[1] = ARGV[2], and removes the others (ids in ARGV[3..]). One script, so that a session
 * written again meanwhile can never lose its index entry to the pruning.
 */
const LIVE_INDEX_MEMBERS = `
local live = {}
for i = 2, #KEYS do
  local id = ARGV[i + 1]
  if redis.call('hget', KEYS[i], ARGV[1]) == ARGV[2] then
    live[#live + 1] = id
  else
    redis.call('srem', KEYS[1], id)
  end
end
return live`;

/**
 * Keeps sessions in Redis, so that several BFF instances share them, and coordinates token refresh
 * across instances with a short lock ({@link RedisSessionStore.withLock}).
 *
 * - Sessions are sealed at rest with iron-session (AES-256-CBC + HMAC-SHA-256) under `secret`: a
 *   Redis dump or replica reveals no token and no claim. Only the ids, `sub` and `sid` (identifiers,
 *   needed for logout by `sub`/`sid`) are in the clear. A value that does not unseal (tampered,
 *   unknown secret, or moved under another id) reads as no session.
 * - Keys: `{prefix}session:{id}` (a hash of the seal, `sub` and `sid`, expiring with the session),
 *   `{prefix}sub:{sub}` and `{prefix}sid:{sid}` (sets of ids, living as long as their longest-lived
 *   member; members whose session is gone are pruned on lookup) and `{prefix}lock:{id}`.
 * - Needs Redis 7.0 or later (`PEXPIRE … NX|GT`) on a single primary (standalone or Sentinel);
 *   not Redis Cluster, as a session's keys live in different slots.
 * - While Redis is unreachable every method rejects at once with a {@link SessionStoreUnavailableError}
 *   (the BFF answers `503`), provided the client fails fast rather than queueing:
 *
 * ```ts
 * import { createClient } from 'redis';
 * import { RedisSessionStore } from '@cloakroom/bff/redis';
 *
 * const client = createClient({
 *   url: process.env.REDIS_URL,
 *   // Reject commands while disconnected instead of queueing them until Redis is back (required).
 *   disableOfflineQueue: true,
 *   // Bound every command, e.g. on a half-open connection (node-redis' default is 5 s).
 *   commandOptions: { timeout: 1_000 },
 *   socket: {
 *     connectTimeout: 1_000,
 *     // Never give up reconnecting; back off to 2 s, with jitter so instances do not stampede.
 *     reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2_000) + Math.floor(Math.random() * 100),
 *   },
 * });
 * // Required: an 'error' event without a listener throws, which ends the process.
 * client.on('error', (error) => console.warn('redis:', error.message));
 * await client.connect();
 *
 * const sessionStore = new RedisSessionStore({ client, secret: process.env.SESSION_STORE_SECRET! });
 * ```
 */
export class RedisSessionStore implements SessionStore {
  readonly #client: RedisSessionStoreClient;
  readonly #prefix: string;
  readonly #passwords: Record<string, string>;
  readonly #lockTtlMs: number;
  readonly #lockWaitMs: number;

  /** @throws {ConfigError} naming the first invalid option. */
  constructor(options: RedisSessionStoreOptions) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('RedisSessionStore', 'options must be an object');
    const { client } = options;
    if (typeof client !== 'object' || client === null || typeof client.multi !== 'function' || typeof client.eval !== 'function') {
      throw new ConfigError('RedisSessionStore.client', 'must be a node-redis client (createClient() of the redis package)');
    }
    if (client.options?.disableOfflineQueue !== true) {
      throw new ConfigError(
        'RedisSessionStore.client',
        'must be created with disableOfflineQueue: true, so that calls fail at once while Redis is unreachable instead of waiting for it',
      );
    }
    const prefix = options.prefix ?? 'cloakroom:';
    if (typeof prefix !== 'string') throw new ConfigError('RedisSessionStore.prefix', 'must be a string');
    this.#client = client;
    this.#prefix = prefix;
    this.#passwords = resolveSecrets('RedisSessionStore.secret', options.secret);
    this.#lockTtlMs = positiveInteger('RedisSessionStore.lockTtlMs', options.lockTtlMs ?? 15_000);
    this.#lockWaitMs = positiveInteger('RedisSessionStore.lockWaitMs', options.lockWaitMs ?? 20_000);
  }

  async get(id: string): Promise<Session | undefined> {
    const seal = asString(await this.#redis(() => this.#client.hGet(this.#sessionKey(id), VALUE)));
    if (seal === undefined) return undefined;
    // A tampered or foreign seal is no session: unsealData answers {} for some and throws for others.
    const value = await unsealData<Record<string, unknown>>(seal, { password: this.#passwords, ttl: 0 }).catch((): Record<string, unknown> => ({}));
    // The id inside the seal binds it to its key: a seal copied under another id is refused.
    if (value.id !== id || typeof value.sub !== 'string') return undefined;
    return value as unknown as Session;
  }

  async set(session: Session, ttlSeconds: number): Promise<void> {
    assertStorable(session, ttlSeconds);
    const key = this.#sessionKey(session.id);
    const ttlMs = Math.ceil(ttlSeconds * 1000);
    // No expiry inside the seal: Redis expires the key, and a second clock would only add skew.
    const [seal, previous] = await Promise.all([
      sealData(session, { password: this.#passwords, ttl: 0 }),
      this.#redis(() => this.#client.hmGet(key, [SUB, SID])),
    ]);
    const [previousSub, previousSid] = asStrings(previous, 2);
    const fields: Record<string, string> = { [VALUE]: seal, [SUB]: session.sub };
    if (session.sid !== undefined) fields[SID] = session.sid;

    // DEL first so that no `sid` field of the previous value survives a replace without one.
    let tx = this.#client.multi().del(key).hSet(key, fields).pExpire(key, ttlMs);
    if (previousSub !== undefined && previousSub !== session.sub) tx = tx.sRem(this.#subKey(previousSub), session.id);
    if (previousSid !== undefined && previousSid !== session.sid) tx = tx.sRem(this.#sidKey(previousSid), session.id);
    tx = addToIndex(tx, this.#subKey(session.sub), session.id, ttlMs);
    if (session.sid !== undefined) tx = addToIndex(tx, this.#sidKey(session.sid), session.id, ttlMs);
    await this.#redis(() => tx.exec());
  }

  async delete(id: string): Promise<void> {
    const key = this.#sessionKey(id);
    const [sub, sid] = asStrings(await this.#redis(() => this.#client.hmGet(key, [SUB, SID])), 2);
    let tx = this.#client.multi().del(key);
    if (sub !== undefined) tx = tx.sRem(this.#subKey(sub), id);
    if (sid !== undefined) tx = tx.sRem(this.#sidKey(sid), id);
    await this.#redis(() => tx.exec());
  }

  async idsBySub(sub: string): Promise<string[]> {
    return this.#liveMembers(this.#subKey(sub), SUB, sub);
  }

  async idsBySid(sid: string): Promise<string[]> {
    return this.#liveMembers(this.#sidKey(sid), SID, sid);
  }

  async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    const options = { condition: 'NX', expiration: { type: 'PX', value: Math.ceil(ttlSeconds * 1000) } } as const;
    return asString(await this.#redis(() => this.#client.set(`${this.#prefix}once:${key}`, '1', options))) === 'OK';
  }

  /**
   * Runs `task` holding the lock `{prefix}lock:{id}` (`SET NX PX lockTtlMs` with a random token),
   * polling every 25–50 ms while another instance holds it, for at most `lockWaitMs`. The lock is
   * released (compare-and-delete, so never another holder's) when `task` settles; if the release
   * fails, the lock expires after `lockTtlMs`.
   *
   * @throws {SessionLockTimeoutError} if the lock stayed taken for `lockWaitMs`; `task` did not run.
   * @throws {SessionStoreUnavailableError} if Redis cannot be reached; `task` did not run.
   */
  async withLock<T>(id: string, task: () => Promise<T>): Promise<T> {
    const key = `${this.#prefix}lock:${id}`;
    const token = crypto.randomUUID();
    const deadline = Date.now() + this.#lockWaitMs;
    const options = { condition: 'NX', expiration: { type: 'PX', value: this.#lockTtlMs } } as const;
    while (asString(await this.#redis(() => this.#client.set(key, token, options))) !== 'OK') {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new SessionLockTimeoutError(`The session stayed locked by another holder for ${this.#lockWaitMs} ms.`);
      }
      await sleep(Math.min(remaining, 25 + Math.random() * 25)); // jitter: waiters do not poll in step
    }
    try {
      return await task();
    } finally {
      // A failed release must not turn the task's outcome into an error: the lock expires anyway.
      await this.#client.eval(RELEASE_LOCK, { keys: [key], arguments: [token] }).catch(() => undefined);
    }
  }

  async #liveMembers(indexKey: string, field: string, value: string): Promise<string[]> {
    const members = asStrings(await this.#redis(() => this.#client.sMembers(indexKey)));
    const ids = members.filter((id): id is string => id !== undefined);
    if (ids.length === 0) return [];
    const live = await this.#redis(() =>
      this.#client.eval(LIVE_INDEX_MEMBERS, {
        keys: [indexKey, ...ids.map((id) => this.#sessionKey(id))],
        arguments: [field, value, ...ids],
      }),
    );
    return asStrings(live).filter((id): id is string => id !== undefined);
  }

  /** Runs one client call; any failure of it means Redis is unavailable to us. */
  async #redis<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SessionStoreUnavailableError(`Redis session store unavailable: ${reason}`, { cause: error });
    }
  }

  #sessionKey(id: string): string {
    return `${this.#prefix}session:${id}`;
  }

  #subKey(sub: string): string {
    return `${this.#prefix}sub:${sub}`;
  }

  #sidKey(sid: string): string {
    return `${this.#prefix}sid:${sid}`;
  }
}

/** Adds `id` to an index set, whose expiry becomes the latest of its members'. */
function addToIndex(tx: RedisSessionStoreTransaction, key: string, id: string, ttlMs: number): RedisSessionStoreTransaction {
  // NX gives a new set its first expiry; GT only ever lengthens it (a set without one counts as infinite).
  return tx.sAdd(key, id).pExpire(key, ttlMs, 'NX').pExpire(key, ttlMs, 'GT');
}

/** A bulk-string reply, `undefined` for nil. Other shapes mean the client maps types differently. */
function asString(reply: unknown): string | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (typeof reply === 'string') return reply;
  throw new TypeError('Unexpected Redis reply: RedisSessionStore needs a client without a typeMapping');
}

/** An array reply of bulk strings (or nils); `length` pads or checks a fixed-size reply. */
function asStrings(reply: unknown, length?: number): (string | undefined)[] {
  if (!Array.isArray(reply)) throw new TypeError('Unexpected Redis reply: RedisSessionStore needs a client without a typeMapping');
  const strings = reply.map(asString);
  if (length !== undefined && strings.length !== length) throw new TypeError(`Unexpected Redis reply: expected ${length} values`);
  return strings;
}

function positiveInteger(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigError(field, 'must be a positive integer');
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
