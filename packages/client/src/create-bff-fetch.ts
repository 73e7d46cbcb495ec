import { BffError, endsSession } from './bff-error.js';
import { resolveBffPath } from './bff-path.js';
import { readProblem } from './problem-details.js';
import type { BffFetch, BffJsonInit, FetchLike } from './types.js';

const JSON_TYPE = 'application/json';

interface BffFetchOptions {
  basePath: string;
  fetch: FetchLike;
  /** Called when the BFF answers that the session is gone, before the error is thrown. */
  onSessionEnded?: () => void;
}

/** Builds the {@link BffFetch} of a client. */
export function createBffFetch({ basePath, fetch, onSessionEnded }: BffFetchOptions): BffFetch {
  async function bffFetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = resolveBffPath(basePath, path);
    const headers = new Headers(init.headers);
    // A custom header forces a CORS pre-flight that a cross-site page cannot pass: the BFF's CSRF defence.
    headers.set('X-CSRF', '1');

    let response: Response;
    try {
      // The cookie is the only credential, and it must never leave this origin.
      response = await fetch(url, { ...init, headers, credentials: 'same-origin' });
    } catch (cause) {
      // The caller aborted: theirs to handle, as with plain fetch.
      if (init.signal?.aborted) throw cause;
      throw new BffError({ status: 0, code: 'network_error', title: 'Network error', detail: String(cause) }, { cause });
    }

    if (response.ok) return response;
    const problem = await readProblem(response);
    // Not a problem document (e.g. an upstream API's own 404): the caller reads it.
    if (!problem) return response;
    const error = BffError.fromProblem(problem, response.status);
    if (endsSession(error)) onSessionEnded?.();
    throw error;
  }

  async function json<T = unknown>(path: string, { body, ...init }: BffJsonInit = {}): Promise<T> {
    const headers = new Headers(init.headers);
    if (!headers.has('Accept')) headers.set('Accept', JSON_TYPE);
    if (body !== undefined && !headers.has('Content-Type')) headers.set('Content-Type', JSON_TYPE);

    const response = await bffFetch(path, { ...init, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const { status } = response;
    if (!response.ok) throw new BffError({ status, code: 'http_error', title: `HTTP ${status}` });
    const text = await response.text();
    try {
      return (text ? JSON.parse(text) : undefined) as T;
    } catch (cause) {
      throw new BffError({ status, code: 'invalid_response', title: 'Invalid JSON' }, { cause });
    }
  }

  return Object.assign(bffFetch, { json });
}
