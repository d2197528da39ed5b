import { EncryptJWT, errors, jwtDecrypt } from 'jose';
import type { z } from 'zod';

/**
 * Encrypted, authenticated payloads for cookies (JWE, `dir` + A256GCM via jose): the browser can
 * neither read nor alter them. Expiry is inside the ciphertext, not just on the cookie.
 */
export async function seal(payload: Record<string, unknown>, key: CryptoKey | Uint8Array, ttlSeconds: number, now: number): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new EncryptJWT(payload)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .encrypt(key);
}

export type UnsealResult<T> = { ok: true; value: T } | { ok: false; reason: 'expired' | 'invalid' };

export async function unseal<T>(token: string, key: CryptoKey | Uint8Array, schema: z.ZodType<T>, now: number): Promise<UnsealResult<T>> {
  try {
    const { payload } = await jwtDecrypt(token, key, { currentDate: new Date(now), keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
    const parsed = schema.safeParse(payload);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: 'invalid' };
  } catch (error) {
    if (error instanceof errors.JWTExpired) return { ok: false, reason: 'expired' };
    return { ok: false, reason: 'invalid' };
  }
}
