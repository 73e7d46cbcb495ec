/**
 * Stable machine-readable error codes of the demo API's own errors. Token errors (`missing_token`,
 * `invalid_token`, `insufficient_scope`, `temporarily_unavailable`) come from `@cloakroom/guard`.
 */
export type ProblemCode = 'invalid_request' | 'not_found' | 'internal_error';

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

/**
 * An RFC 9457 problem details response (`application/problem+json`) carrying a stable `code`.
 * `detail` must be safe to show: never put a token or a secret in it.
 */
export function problem(status: number, code: ProblemCode, detail: string, headers: Readonly<Record<string, string>> = {}): Response {
  const body = { type: 'about:blank', title: TITLES[status] ?? 'Error', status, code, detail };
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, 'content-type': 'application/problem+json', 'cache-control': 'no-store' },
  });
}
