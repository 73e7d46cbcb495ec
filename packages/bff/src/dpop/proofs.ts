import { base64url, SignJWT } from 'jose';
import type { UpstreamResponse } from '../upstream-client.js';
import { parseChallenges } from '../www-authenticate.js';
import type { DpopKeyPair } from './keys.js';

/**
 * DPoP proofs (RFC 9449 §4) for the proxy's calls to APIs, with the nonce each API last handed out
 * (§9). Made with jose rather than openid-client: openid-client makes a resource proof only inside
 * its own `fetch` of the resource (`fetchProtectedResource`), which can neither use the proxy's
 * sender (undici on Node, the streamed body, its timeouts) nor hand an API's `401` back as it came.
 */
export class DpopProofs {
  /**
   * The latest `DPoP-Nonce` of each API origin: a nonce is the server's, not the key's, so every
   * session's proofs use it. Keyed by configured API origins only, so bounded by the configuration.
   */
  readonly #nonces = new Map<string, string>();

  /**
   * A new proof for one attempt of a call: `htm` and `htu` (the URL without query and fragment) say
   * which request, `ath` (the token's SHA-256) which token, a random `jti` and `iat` make it once and
   * now; `nonce` when the API handed one out.
   */
  async proof(key: DpopKeyPair, method: string, url: string, origin: string, accessToken: string): Promise<string> {
    const end = url.search(/[?#]/);
    const nonce = this.#nonces.get(origin);
    const ath = base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))));
    return new SignJWT({ htm: method, htu: end < 0 ? url : url.slice(0, end), ath, ...(nonce !== undefined ? { nonce } : {}) })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk })
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .sign(key.privateKey);
  }

  /** Keeps the nonce an API's answer hands out (`DPoP-Nonce`: on a challenge, or ahead of a rotation). */
  remember(origin: string, response: UpstreamResponse): void {
    const nonce = response.headers.get('dpop-nonce');
    if (nonce !== null) this.#nonces.set(origin, nonce);
  }

  /**
   * The answer is a `use_dpop_nonce` challenge (`401`, `WWW-Authenticate: DPoP
   * error="use_dpop_nonce"` and a `DPoP-Nonce`), which a new proof with that nonce answers.
   */
  static asksForNonce(response: UpstreamResponse): boolean {
    if (response.status !== 401 || response.headers.get('dpop-nonce') === null) return false;
    const challenges = parseChallenges(response.headers.get('www-authenticate') ?? '');
    return challenges.some(({ scheme, params }) => scheme === 'dpop' && params.get('error') === 'use_dpop_nonce');
  }
}
