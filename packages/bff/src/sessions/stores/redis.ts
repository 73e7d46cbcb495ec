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
import { BoundedMap } from '../bounded-map.js';
import { ConfigError, resolveSecrets } from '../../config.js';
import { SessionLockTimeoutError, SessionStoreUnavailableError, type Session, type SessionStore } from '../session-store.js';
import { assertStorable } from './storable.js';
import { textSealer, type TextSealer } from './text-sealer.js';

/**
 * The commands {@link RedisSessionStore} sends, as a node-redis (v6) client has them. A client from
 * `createClient()` of the `redis` package fits; so does any object with the same methods.
 */
export interface RedisSessionStoreClient {
  /** The options the client was created with; `disableOfflineQueue` must be `true`. */
  readonly options?: { readonly disableOfflineQueue?: boolean } | undefined;
  get(key: string): Promise<unknown>;
  hKeys(key: string): Promise<unknown>;
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'PX'; value: number } }): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  multi(): RedisSessionStoreTransaction;
}

/** The commands {@link RedisSessionStore} queues in a `MULTI` transaction. */
export interface RedisSessionStoreTransaction {
  del(key: string): RedisSessionStoreTransaction;
  set(key: string, value: string, options: { expiration: { type: 'PX'; value: number } }): RedisSessionStoreTransaction;
  hSet(key: string, field: string, value: string): RedisSessionStoreTransaction;
  hDel(key: string, field: string): RedisSessionStoreTransaction;
  pExpire(key: string, ms: number, mode?: 'NX' | 'GT'): RedisSessionStoreTransaction;
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

/** Deletes the lock only if it is still ours: after it expired, another instance may hold it. */
const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Answers the members of an index (KEYS[1]) whose session (KEYS[2..]) still exists and still names
 * ARGV[2] at position ARGV[1] of its index line (1: `sub`, 2: `sid`), and removes the others (ids in
 * ARGV[3..]). One script, so that a session written again meanwhile can never lose its index entry
 * to the pruning.
 */
const LIVE_INDEX_MEMBERS = `
local position = tonumber(ARGV[1])
local live = {}
for i = 2, #KEYS do
  local id = ARGV[i + 1]
  local stored = redis.call('get', KEYS[i])
  local line = stored and string.match(stored, '^([^\\n]*)\\n')
  local ok, indexed = false, nil
  if line then ok, indexed = pcall(cjson.decode, line) end
  if ok and type(indexed) == 'table' and indexed[position] == ARGV[2] then
    live[#live + 1] = id
  else
    redis.call('hdel', KEYS[1], id)
  end
end
return live`;

/**
 * Most stored values remembered opened (a few KB each): a session read again unchanged, as on every
 * proxied call, costs no decryption.
 */
const OPENED_LIMIT = 2_000;

/** Where a session's index fields are in its index line: `[sub]` or `[sub, sid]`. */
const SUB_POSITION = 1;
const SID_POSITION = 2;

/**
 * Keeps sessions in Redis, so that several BFF instances share them, and coordinates token refresh
 * across instances with a short lock ({@link RedisSessionStore.withLock}).
 *
 * - Sessions are sealed at rest with AES-256-GCM under keys derived from `secret` (see
 *   {@link textSealer}): a Redis dump or replica reveals no token and no claim. Only the ids, `sub`
 *   and `sid` (identifiers, needed for logout by `sub`/`sid`) are in the clear, and they are
 *   authenticated with the seal, as is the session id (the key's name). A value that does not unseal
 *   (tampered, unknown secret, index fields changed, or moved under another id) reads as no session.
 * - Keys: `{prefix}sess:{id}`, a string expiring with the session: its index line (`["sub","sid"]`,
 *   JSON) and its seal, one line each; `{prefix}by-sub:{sub}` and `{prefix}by-sid:{sid}`, hashes
 *   whose fields are session ids, living as long as their longest-lived member (members whose
 *   session is gone are pruned on lookup); and `{prefix}lock:{id}`. One string and small hashes keep
 *   a session at about 2.4 KB of Redis memory with typical tokens (`bench:sessions` of
 *   bench/proxy); a session is read with one `GET`. (Earlier versions used other key names: their
 *   sessions read as none, so users sign in again after the upgrade.)
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
  readonly #sealer: TextSealer;
  /**
   * What byte-identical stored values opened to, for the id they were read under: only a value that
   * opened (authenticated) is remembered, only the very same string read under the same id hits, and
   * a hit needs Redis to answer that string, so a deleted, expired or replaced session never does.
   */
  readonly #opened = new BoundedMap<string, { id: string; json: string }>(OPENED_LIMIT);
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
    this.#sealer = textSealer(resolveSecrets('RedisSessionStore.secret', options.secret), 'cloakroom redis session store');
    this.#lockTtlMs = positiveInteger('RedisSessionStore.lockTtlMs', options.lockTtlMs ?? 15_000);
    this.#lockWaitMs = positiveInteger('RedisSessionStore.lockWaitMs', options.lockWaitMs ?? 20_000);
  }

  async get(id: string): Promise<Session | undefined> {
    const stored = asString(await this.#redis(() => this.#client.get(this.#sessionKey(id))));
    if (stored === undefined) return undefined;
    const newline = stored.indexOf('\n');
    const line = stored.slice(0, Math.max(newline, 0));
    const indexed = parseIndexLine(line);
    if (!indexed) return undefined;
    const opened = this.#opened.get(stored);
    let json = opened?.id === id ? opened.json : undefined;
    if (json === undefined) {
      // The id and the index line are the seal's context: a seal copied under another id, or with
      // another sub or sid in the clear, does not open.
      json = await this.#sealer.unseal(stored.slice(newline + 1), sealContext(id, line));
      if (json === undefined) return undefined;
    }
    this.#opened.set(stored, { id, json }); // the most recently used last
    // Parsed on every read: each caller gets its own copy.
    const rest = JSON.parse(json) as Omit<Session, 'id' | 'sub' | 'sid'>;
    return { ...rest, id, ...indexed };
  }

  async set(session: Session, ttlSeconds: number): Promise<void> {
    assertStorable(session, ttlSeconds);
    const { id, sub, sid, ...rest } = session;
    const key = this.#sessionKey(id);
    const ttlMs = Math.ceil(ttlSeconds * 1000);
    const line = indexLine({ sub, sid });
    // No expiry inside the seal: Redis expires the key, and a second clock would only add skew.
    const [seal, previous] = await Promise.all([this.#sealer.seal(JSON.stringify(rest), sealContext(id, line)), this.#indexedUnder(key)]);

    let tx = this.#client.multi().set(key, `${line}\n${seal}`, { expiration: { type: 'PX', value: ttlMs } });
    if (previous?.sub !== undefined && previous.sub !== sub) tx = tx.hDel(this.#subKey(previous.sub), id);
    if (previous?.sid !== undefined && previous.sid !== sid) tx = tx.hDel(this.#sidKey(previous.sid), id);
    tx = addToIndex(tx, this.#subKey(sub), id, ttlMs);
    if (sid !== undefined) tx = addToIndex(tx, this.#sidKey(sid), id, ttlMs);
    await this.#redis(() => tx.exec());
  }

  async delete(id: string): Promise<void> {
    const key = this.#sessionKey(id);
    const indexed = await this.#indexedUnder(key);
    let tx = this.#client.multi().del(key);
    if (indexed) tx = tx.hDel(this.#subKey(indexed.sub), id);
    if (indexed?.sid !== undefined) tx = tx.hDel(this.#sidKey(indexed.sid), id);
    await this.#redis(() => tx.exec());
  }

  async idsBySub(sub: string): Promise<string[]> {
    return this.#liveMembers(this.#subKey(sub), SUB_POSITION, sub);
  }

  async idsBySid(sid: string): Promise<string[]> {
    return this.#liveMembers(this.#sidKey(sid), SID_POSITION, sid);
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

  async #liveMembers(indexKey: string, position: number, value: string): Promise<string[]> {
    const ids = asStrings(await this.#redis(() => this.#client.hKeys(indexKey)));
    if (ids.length === 0) return [];
    const live = await this.#redis(() =>
      this.#client.eval(LIVE_INDEX_MEMBERS, {
        keys: [indexKey, ...ids.map((id) => this.#sessionKey(id))],
        arguments: [String(position), value, ...ids],
      }),
    );
    return asStrings(live);
  }

  /** The index fields a stored session is listed under (its index line), to update the indexes. */
  async #indexedUnder(key: string): Promise<IndexFields | undefined> {
    const stored = asString(await this.#redis(() => this.#client.get(key)));
    const newline = stored?.indexOf('\n') ?? -1;
    return newline < 0 ? undefined : parseIndexLine(stored!.slice(0, newline));
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
    return `${this.#prefix}sess:${id}`;
  }

  #subKey(sub: string): string {
    return `${this.#prefix}by-sub:${sub}`;
  }

  #sidKey(sid: string): string {
    return `${this.#prefix}by-sid:${sid}`;
  }
}

/** Adds `id` to an index hash, whose expiry becomes the latest of its members'. */
function addToIndex(tx: RedisSessionStoreTransaction, key: string, id: string, ttlMs: number): RedisSessionStoreTransaction {
  // NX gives a new index its first expiry; GT only ever lengthens it (a key without one counts as infinite).
  // A hash rather than a set: Redis 7.0 keeps a small hash compact (listpack), a set of strings not.
  return tx.hSet(key, id, '').pExpire(key, ttlMs, 'NX').pExpire(key, ttlMs, 'GT');
}

/** The fields of a session that the indexes find it by, in the clear in front of its seal. */
interface IndexFields {
  sub: string;
  sid?: string | undefined;
}

/** `["sub"]` or `["sub","sid"]`: JSON, so that the lookup script can read it (Redis' Lua has cjson). */
function indexLine({ sub, sid }: IndexFields): string {
  return JSON.stringify(sid === undefined ? [sub] : [sub, sid]);
}

function parseIndexLine(line: string): IndexFields | undefined {
  let fields: unknown;
  try {
    fields = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!Array.isArray(fields) || fields.length < 1 || fields.length > 2 || !fields.every((field) => typeof field === 'string'))
    return undefined;
  const [sub, sid] = fields;
  return sid === undefined ? { sub: sub! } : { sub: sub!, sid };
}

/** What a seal is bound to: the session id (the key's name) and the index line beside it. */
const sealContext = (id: string, line: string) => `${id}\n${line}`;

/** A bulk-string reply, `undefined` for nil. Other shapes mean the client maps types differently. */
function asString(reply: unknown): string | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (typeof reply === 'string') return reply;
  throw new TypeError('Unexpected Redis reply: RedisSessionStore needs a client without a typeMapping');
}

/** An array reply of bulk strings, nils left out. */
function asStrings(reply: unknown): string[] {
  if (!Array.isArray(reply)) throw new TypeError('Unexpected Redis reply: RedisSessionStore needs a client without a typeMapping');
  return reply.map(asString).filter((value): value is string => value !== undefined);
}

function positiveInteger(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new ConfigError(field, 'must be a positive integer');
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
