import { SignJWT, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { importHmacKey } from '../auth/keys.ts';

/** Invite links (R-ROOM2): HS256 JWTs under their own key, 24 h, one audience per link kind. */
export const INVITE_TTL_SECONDS = 24 * 60 * 60;
/**
 * The longest invite token any door accepts (body field or `/invite/<token>` path). Ours are about
 * 450 characters (three base64url parts, ids and a UUID); anything past 4 KB is not one of ours
 * and is refused before it is verified.
 */
export const INVITE_TOKEN_MAX_LENGTH = 4096;
const ISSUER = 'spell-rooms';
const AUDIENCE = 'invite';

export type InviteKind = 'player' | 'spectator';

export const InviteClaims = z.object({
  roomId: z.string(),
  guildId: z.string(),
  channelId: z.string(),
  roleId: z.string(),
  creatorId: z.string(),
  kind: z.enum(['player', 'spectator']),
  /**
   * The room's link generation the link was made in (RoomService.rotateLinks counts it up). Links
   * made before generations existed carry none and are generation 0, so they keep working until
   * the host first makes new links.
   */
  gen: z.number().int().nonnegative().default(0),
  iat: z.number(),
  exp: z.number(),
  jti: z.string(),
});
export type InviteClaims = z.infer<typeof InviteClaims>;

export type InviteVerification = { ok: true; claims: InviteClaims } | { ok: false; reason: 'expired' | 'invalid' };

export class InviteTokens {
  readonly #key: Promise<CryptoKey>;
  constructor(secret: string) {
    this.#key = importHmacKey(secret, 'invite-token');
  }

  async issue(
    claims: Omit<z.input<typeof InviteClaims>, 'iat' | 'exp' | 'jti'>,
    now: number,
  ): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(now / 1000);
    const exp = iat + INVITE_TTL_SECONDS;
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(crypto.randomUUID())
      .sign(await this.#key);
    return { token, expiresAt: exp * 1000 };
  }

  async verify(token: string, now: number): Promise<InviteVerification> {
    try {
      const { payload } = await jwtVerify(token, await this.#key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE, currentDate: new Date(now) });
      const claims = InviteClaims.safeParse(payload);
      return claims.success ? { ok: true, claims: claims.data } : { ok: false, reason: 'invalid' };
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}
