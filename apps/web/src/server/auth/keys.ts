import { hkdfSync } from 'node:crypto';

/**
 * Each use of SESSION_SECRET gets its own key (HKDF-SHA256 with a purpose label), so a token minted
 * for one purpose can never be replayed as another and no key is the raw secret itself.
 */
export type KeyPurpose = 'session-cookie' | 'login-state' | 'ws-token' | 'invite-token';

export function deriveKey(secret: string, purpose: KeyPurpose): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'spell-rooms', `spell-rooms/${purpose}/v1`, 32));
}
