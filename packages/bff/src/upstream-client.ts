import type * as Undici from 'undici';

/** A request to an API. */
export interface UpstreamRequest {
  method: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** In memory, streamed (sent as it arrives, chunked), or none. */
  body: ArrayBuffer | ReadableStream<Uint8Array> | undefined;
  signal: AbortSignal;
}

/** What the proxy reads of an API's answer; a `fetch` Response has all of it but `decoded`. */
export interface UpstreamResponse {
  status: number;
  /** Lower-case names; a `fetch` Headers object is one. */
  headers: { get(name: string): string | null; [Symbol.iterator](): Iterator<[string, string]> };
  body: ReadableStream<Uint8Array> | null;
  /** The client decoded the body's `Content-Encoding` (as `fetch` does): that header and `Content-Length` no longer apply. */
  decoded: boolean;
}

/** Sends one request upstream; rejects as `fetch` does (network error, or the signal's reason). */
export type SendUpstream = (url: string, request: UpstreamRequest) => Promise<UpstreamResponse>;

/**
 * How the proxy calls APIs: with the `fetch` given to `createBff` when there is one (it may add
 * tracing or mTLS, or be a test's), otherwise, on Node, with undici's `request` over the same global
 * keep-alive pool that Node's `fetch` uses (so a `setGlobalDispatcher` proxy agent applies to both),
 * and on any other runtime with its `fetch`.
 *
 * Why a Node-only path: Node's `fetch` (undici's, underneath) builds a WHATWG Request, Headers and
 * Response with their Web IDL checks around every call, and asks for a compressed answer that it
 * then decodes; that was about 140 µs of CPU per proxied call on the benchmark machine, more than the
 * BFF's own work. `request` hands over the status, a header record and a stream. It is chosen at run
 * time and falls back to `fetch` if undici cannot be loaded, so `@cloakroom/bff` keeps running
 * wherever Request, Response and fetch exist (Deno, Bun, workers).
 */
export function upstreamSender(customFetch: typeof fetch | undefined): SendUpstream {
  const viaFetch = fetchSender(customFetch ?? ((input, init) => fetch(input, init)));
  const undici = customFetch || !isNode() ? undefined : loadUndici();
  return undici ? undiciSender(undici) : viaFetch;
}

/** `fetch`, without following redirects; it decodes `gzip`, `deflate` and `br` bodies itself. */
export function fetchSender(fetchImpl: typeof fetch): SendUpstream {
  return async (url, { method, headers, body, signal }) => {
    const init: RequestInit & { duplex?: 'half' } = { method, headers, redirect: 'manual', signal };
    if (body) init.body = body;
    // What fetch requires to send a stream; not in TypeScript's DOM types yet.
    if (body instanceof ReadableStream) init.duplex = 'half';
    const response = await fetchImpl(url, init);
    return { status: response.status, headers: response.headers, body: response.body, decoded: response.headers.has('content-encoding') };
  };
}

/** Node proper: Bun and Deno say they are Node too, but have their own `fetch` and no need of this. */
function isNode(): boolean {
  const runtime = globalThis as { process?: { versions?: { node?: string } }; Bun?: unknown; Deno?: unknown };
  return typeof runtime.process?.versions?.node === 'string' && runtime.Bun === undefined && runtime.Deno === undefined;
}

/**
 * undici through Node's own `require`, not an `import()`: bundlers and loaders for other runtimes
 * (Wrangler, Miniflare) refuse a dynamic import they cannot resolve, and must not pull undici (and
 * `node:net`) in. `undefined` where it cannot be loaded (e.g. a bundle shipped without node_modules).
 */
function loadUndici(): typeof Undici | undefined {
  const node = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  if (!node?.getBuiltinModule) return undefined;
  const { createRequire } = node.getBuiltinModule('node:module') as { createRequire: (from: string) => (id: string) => unknown };
  try {
    return createRequire(import.meta.url)('undici') as typeof Undici;
  } catch {
    return undefined;
  }
}

/** Statuses whose responses have no body (Fetch standard's "null body status"). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function undiciSender({ request }: typeof Undici): SendUpstream {
  return async (url, { method, headers, body, signal }) => {
    // No redirects followed (like `redirect: 'manual'`); the global dispatcher, like Node's fetch.
    // A web stream is an async iterable on Node, which undici sends chunk by chunk as it comes.
    const sent = body instanceof ArrayBuffer ? new Uint8Array(body) : (body ?? null);
    const response = await request(url, {
      method: method,
      headers,
      body: sent as NonNullable<Undici.Dispatcher.DispatchOptions['body']>,
      signal,
    });
    const empty = method === 'HEAD' || NULL_BODY_STATUSES.has(response.statusCode);
    if (empty) response.body.dump().catch(() => undefined); // frees the connection for the next call
    return {
      status: response.statusCode,
      headers: new RecordHeaders(response.headers),
      body: empty ? null : webStream(response.body),
      decoded: false,
    };
  };
}

/** undici's header record (lower-case names, arrays for repeated ones) as the proxy reads headers. */
class RecordHeaders implements Iterable<[string, string]> {
  constructor(private readonly record: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const value = Object.hasOwn(this.record, name) ? this.record[name] : undefined;
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    for (const [name, value] of Object.entries(this.record)) {
      if (value !== undefined) yield [name, Array.isArray(value) ? value.join(', ') : value];
    }
  }
}

/**
 * A Node body stream as a web stream, chunk by chunk as it arrives (nothing buffered ahead: the
 * browser's pace reaches the upstream). Cancelling it (the browser went away) closes the upstream
 * connection; an aborted or failed upstream body errors it. Cheaper than `Readable.toWeb` on Node 20.
 */
function webStream(body: Undici.Dispatcher.ResponseData['body']): ReadableStream<Uint8Array> {
  // A Node stream's 'error' with no listener is an uncaught exception: the process would crash when
  // the upstream fails (or the browser cancels) before anything reads. The reader learns of the
  // error from the iterator below, which sees the stream errored.
  body.on('error', () => undefined);
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Buffer, undefined>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      },
      cancel(reason) {
        body.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
