import { SignJWT, jwtVerify } from 'jose';
import { importHmacKey } from './keys.ts';

/** Short-lived tokens a browser sends in its first WebSocket frame (R-RT2). */
export const WS_TOKEN_AUDIENCE = 'ws';
export const WS_TOKEN_TTL_SECONDS = 5 * 60;
const ISSUER = 'spell-rooms';

export class WsTokens {
  readonly #key: Promise<CryptoKey>;
  constructor(secret: string) {
    this.#key = importHmacKey(secret, 'ws-token');
  }

  async issue(userId: string, now: number): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(now / 1000);
    const exp = iat + WS_TOKEN_TTL_SECONDS;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setAudience(WS_TOKEN_AUDIENCE)
      .setIssuer(ISSUER)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(await this.#key);
    return { token, expiresAt: exp * 1000 };
  }

  /** The user id, or null for anything forged, expired, or minted for another audience. */
  async verify(token: string, now: number): Promise<string | null> {
    try {
      const { payload } = await jwtVerify(token, await this.#key, {
        algorithms: ['HS256'],
        audience: WS_TOKEN_AUDIENCE,
        issuer: ISSUER,
        currentDate: new Date(now),
      });
      return typeof payload.sub === 'string' && payload.sub.length > 0 ? payload.sub : null;
    } catch {
      return null;
    }
  }
}
