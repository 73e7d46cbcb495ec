import type { BffProblem } from '@cloakroom/protocol';
import type { APIRequestContext, Page } from '@playwright/test';

/** Where the BFF's routes are. */
export interface BffOptions {
  /** The BFF's base path, as configured in `createBff({ basePath })`. Default `/bff`. */
  basePath?: string;
}

export const DEFAULT_BASE_PATH = '/bff';

/** The anti-CSRF header every route the SPA calls with `fetch` requires. */
export const CSRF_HEADER: Readonly<Record<string, string>> = Object.freeze({ 'x-csrf': '1' });

function isPage(target: Page | APIRequestContext): target is Page {
  return 'goto' in target;
}

/** The request context that shares `target`'s cookies: a page's is its browser context's. */
export function requestContextOf(target: Page | APIRequestContext): APIRequestContext {
  return isPage(target) ? target.request : target;
}

/**
 * The URL of a path of the app for `target`: on the origin of the page it shows, or relative (to
 * the context's `baseURL`) for a request context or a page that shows none yet.
 */
export function appUrl(target: Page | APIRequestContext, path: string): string {
  if (!isPage(target)) return path;
  const current = new URL(target.url());
  return current.protocol === 'http:' || current.protocol === 'https:' ? new URL(path, current.origin).href : path;
}

/** An error that says what the BFF answered instead, with its problem `code` when it sent one. */
export async function unexpectedAnswer(request: string, response: { status(): number; json(): Promise<unknown> }): Promise<Error> {
  const problem = (await response.json().catch(() => undefined)) as Partial<BffProblem> | undefined;
  const code = typeof problem?.code === 'string' ? ` ${problem.code}` : '';
  return new Error(`${request} answered ${response.status()}${code}.`);
}
