import type { ProblemDetails } from './bff-error.js';

/**
 * Reads the body of `response` as a problem document when it says it is one
 * (`application/problem+json`); `null` otherwise, leaving the body unread.
 */
export async function readProblem(response: Response): Promise<ProblemDetails | null> {
  if (!/application\/problem\+json/i.test(response.headers.get('Content-Type') ?? '')) return null;
  // A malformed problem is still a problem: the status alone says what went wrong
  // (BffError.fromProblem reads only the string members it finds).
  return Object(await response.json().catch(() => null)) as ProblemDetails;
}
