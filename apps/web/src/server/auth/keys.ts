import { hkdfSync } from 'node:crypto';

/**
 * Each use of SESSION_SECRET gets its own key (HKDF-SHA256 with a purpose label), so a token minted
 * for one purpose can never be replayed as another and no key is the raw secret itself.
 */
export type KeyPurpose = 'session-cookie' | 'login-state' | 'ws-token' | 'invite-token' | 'refresh-outcome';

export function deriveKey(secret: string, purpose: KeyPurpose): Uint8Array<ArrayBuffer> {
  return new Uint8Array(hkdfSync('sha256', secret, 'spell-rooms', `spell-rooms/${purpose}/v1`, 32));
}

/**
 * The derived key imported once as a WebCrypto key. jose accepts raw bytes too, but then imports
 * them again on every sign, verify, encrypt and decrypt (a measurable share of a connection
 * storm, where every socket's first frame is a token to verify).
 */
export function importHmacKey(secret: string, purpose: KeyPurpose): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', deriveKey(secret, purpose), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** Same, for the cookies' JWE (`dir` + A256GCM: the derived key is the content key). */
export function importAesGcmKey(secret: string, purpose: KeyPurpose): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', deriveKey(secret, purpose), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
}
