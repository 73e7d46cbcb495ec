import type { SessionResponse } from '@cloakroom/protocol';
import type { APIRequestContext, Page } from '@playwright/test';
import { appUrl, CSRF_HEADER, DEFAULT_BASE_PATH, requestContextOf, unexpectedAnswer, type BffOptions } from './bff-requests.js';

/**
 * What `GET {basePath}/session` says of the browser context's session: `{ authenticated: false }`,
 * or who is signed in (claims, never a token) and until when. Asked with the cookies of `target`
 * (a page's browser context, or a request context), as the SPA asks.
 *
 * @example
 * expect(await readSession(page)).toMatchObject({ authenticated: true, user: { sub: 'alice' } });
 */
export async function readSession<TUser = Record<string, unknown>>(
  target: Page | APIRequestContext,
  { basePath = DEFAULT_BASE_PATH }: BffOptions = {},
): Promise<SessionResponse<TUser>> {
  const url = appUrl(target, `${basePath}/session`);
  const response = await requestContextOf(target).get(url, { headers: CSRF_HEADER });
  if (!response.ok()) throw await unexpectedAnswer(`GET ${url}`, response);
  return (await response.json()) as SessionResponse<TUser>;
}
