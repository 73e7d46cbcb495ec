import { signIn, TestBrowser } from '@cloakroom/idp/testing';
import { vi } from 'vitest';

/** The browser's request to the BFF's callback, as sent: replaying it is what an attacker would try. */
export interface CapturedCallback {
  url: string;
  cookie: string;
}

/** Signs `user` in through `origin` and answers the callback request the browser made. */
export async function signInCapturingCallback(origin: string, user: { username: string; password: string }): Promise<CapturedCallback> {
  const realFetch = globalThis.fetch;
  let captured: CapturedCallback | undefined;
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.startsWith(`${origin}/bff/callback`)) captured = { url, cookie: new Headers(init?.headers).get('cookie') ?? '' };
    return realFetch(input, init);
  });
  try {
    await signIn(new TestBrowser(), `${origin}/bff/login`, user);
  } finally {
    spy.mockRestore();
  }
  if (!captured) throw new Error('the sign-in made no callback request');
  return captured;
}

/** Sends the captured callback request again, with its transaction cookie. */
export const replayCallback = (callback: CapturedCallback, origin = new URL(callback.url).origin) =>
  fetch(`${origin}${new URL(callback.url).pathname}${new URL(callback.url).search}`, { headers: { cookie: callback.cookie } });
