/**
 * A DPoP replay cache in Redis, shared by every instance of an API: `@cloakroom/guard/redis`.
 *
 * Client: the official `redis` package (node-redis v6), an optional peer dependency; the store
 * takes a client you created and uses one command, typed structurally
 * ({@link RedisReplayStoreClient}), so `@cloakroom/guard` pulls in no Redis code unless you use it.
 *
 * @module
 */
import type { DpopReplayStore } from './dpop-replay.js';

/** The command {@link RedisReplayStore} sends, as a node-redis (v6) client has it. */
export interface RedisReplayStoreClient {
  /** The options the client was created with; `disableOfflineQueue` must be `true`. */
  readonly options?: { readonly disableOfflineQueue?: boolean } | undefined;
  set(key: string, value: string, options: { condition: 'NX'; expiration: { type: 'EX'; value: number } }): Promise<unknown>;
}

/** Options of {@link RedisReplayStore}. */
export interface RedisReplayStoreOptions {
  /** A connected node-redis client, created with `disableOfflineQueue: true` and an `'error'` listener. */
  client: RedisReplayStoreClient;
  /** Prepended to every key, so that several APIs can share one Redis. Default `cloakroom:guard:`. */
  prefix?: string | undefined;
}

/**
 * Remembers the `jti`s of accepted DPoP proofs in Redis, one key each (`{prefix}dpop:{hash}`) with
 * `SET … NX EX`: the first instance to record a `jti` wins, every other one sees the replay, and
 * the key expires by itself when the proof would be too old anyway.
 *
 * While Redis is unreachable, `claimOnce` rejects at once and the guard answers `503` (it fails
 * closed: a proof it cannot record might be a replay), provided the client fails fast rather than
 * queueing commands:
 *
 * ```ts
 * import { createClient } from 'redis';
 * import { requireAccessToken } from '@cloakroom/guard';
 * import { RedisReplayStore } from '@cloakroom/guard/redis';
 *
 * const client = createClient({
 *   url: process.env.REDIS_URL,
 *   disableOfflineQueue: true, // reject commands while disconnected (required)
 *   commandOptions: { timeout: 1_000 },
 * });
 * client.on('error', (error) => console.warn('redis:', error.message)); // required: an unheard 'error' ends the process
 * await client.connect();
 *
 * app.use(requireAccessToken({ …, tokenBinding: 'dpop', dpop: { replay: new RedisReplayStore({ client }) } }));
 * ```
 */
export class RedisReplayStore implements DpopReplayStore {
  readonly #client: RedisReplayStoreClient;
  readonly #prefix: string;

  /** @throws {TypeError} for a client that would queue commands while Redis is unreachable. */
  constructor(options: RedisReplayStoreOptions) {
    if (options.client?.options?.disableOfflineQueue !== true) {
      throw new TypeError(
        'RedisReplayStore: the client must be created with disableOfflineQueue: true, so that a request fails at once while Redis is unreachable instead of waiting for it',
      );
    }
    this.#client = options.client;
    this.#prefix = options.prefix ?? 'cloakroom:guard:';
  }

  async claimOnce(key: string, ttlSeconds: number): Promise<boolean> {
    const seconds = Math.max(1, Math.ceil(ttlSeconds));
    const reply = await this.#client.set(`${this.#prefix}${key}`, '1', { condition: 'NX', expiration: { type: 'EX', value: seconds } });
    return String(reply) === 'OK'; // null when the key exists; a string (or a Buffer, with type mapping) otherwise
  }
}
