import { base64url } from 'jose';

/** AES-GCM's recommended 96-bit IV, and its 128-bit tag. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Seals text at rest with AES-256-GCM (WebCrypto, so any runtime) under keys derived once per secret
 * with HKDF-SHA-256. Written for values a store reads on every request, in place of iron-session,
 * whose unseal derives two keys (PBKDF2) every time and whose format (hex salts, CBC plus a separate
 * HMAC) adds about 200 characters to each value.
 *
 * A seal is `{secret id}.{base64url(iv ‖ ciphertext ‖ tag)}`: one base64 layer over the ciphertext.
 * `context` is authenticated but not stored (AES-GCM's additional data): a seal opens only with the
 * very context it was made for, so a value copied under another key, or its clear-text index fields
 * changed, does not open. The newest secret (highest id) seals, all of them open, so secrets rotate.
 * IVs are random: keep well under 2^32 seals per secret (rotate it long before).
 */
export interface TextSealer {
  seal(text: string, context: string): Promise<string>;
  /** The text, or `undefined` for anything not sealed by one of our secrets for this `context`. */
  unseal(seal: string, context: string): Promise<string | undefined>;
}

/**
 * @param secrets numeric id → secret (as `resolveSecrets` answers), each at least 32 characters.
 * @param purpose HKDF `info`: keys for one purpose never open another's seals.
 */
export function textSealer(secrets: Record<string, string>, purpose: string): TextSealer {
  const keys = new Map<string, Promise<CryptoKey>>();
  for (const [id, secret] of Object.entries(secrets)) keys.set(id, deriveKey(secret, purpose));
  const newest = [...keys.keys()].reduce((newer, id) => (Number(id) > Number(newer) ? id : newer));
  // A derivation that fails is reported by the call that awaits it, not as an unhandled rejection.
  for (const key of keys.values()) key.catch(() => undefined);

  return {
    async seal(text, context) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: 'AES-GCM', iv, additionalData: encoder.encode(context) },
          await keys.get(newest)!,
          encoder.encode(text),
        ),
      );
      const bytes = new Uint8Array(IV_BYTES + sealed.length);
      bytes.set(iv);
      bytes.set(sealed, IV_BYTES);
      return `${newest}.${base64url.encode(bytes)}`;
    },
    async unseal(seal, context) {
      const dot = seal.indexOf('.');
      const key = dot > 0 ? keys.get(seal.slice(0, dot)) : undefined;
      if (!key) return undefined;
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = base64url.decode(seal.slice(dot + 1)) as Uint8Array<ArrayBuffer>; // a fresh array, never shared
      } catch {
        return undefined;
      }
      if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
      const cryptoKey = await key; // outside the try: a key that cannot be derived is an error, not "no value"
      try {
        const additionalData = encoder.encode(context);
        const text = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData },
          cryptoKey,
          bytes.subarray(IV_BYTES),
        );
        return decoder.decode(text);
      } catch {
        return undefined; // tampered, truncated, another secret's or another context's
      }
    },
  };
}

async function deriveKey(secret: string, purpose: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(secret), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(purpose) },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}
