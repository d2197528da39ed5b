import { SignJWT, decodeProtectedHeader } from 'jose';
import { importHmacKey } from '../auth/keys.ts';
import { describe, expect, it } from 'vitest';
import { INVITE_TTL_SECONDS, type InviteClaims, InviteTokens } from './invite-token.ts';

const SECRET = 'invite-token-test-secret-0123456789abcdef';
const tokens = new InviteTokens(SECRET);
const claims = { roomId: 'room0000001', guildId: '100000000000000001', channelId: '200000000000000001', roleId: '300000000000000001', creatorId: '400000000000000001', kind: 'player' as const };
// Not on a second boundary: the token counts whole seconds, as JWTs do.
const now = Date.UTC(2026, 10, 25, 12) + 750;

describe('InviteTokens', () => {
  it('reports when the link expires, in ms, as the token states it (24 h after the issuing second)', async () => {
    const { token, expiresAt } = await tokens.issue(claims, now);
    expect(expiresAt).toBe(Date.UTC(2026, 10, 25, 12) + INVITE_TTL_SECONDS * 1000);
    const verified = await tokens.verify(token, now);
    expect(verified).toMatchObject({ ok: true, claims: { ...claims, iat: Math.floor(now / 1000) } });
    if (verified.ok) expect(verified.claims.exp * 1000).toBe(expiresAt);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
  });

  it('is valid one second before expiresAt and expired at it', async () => {
    const { token, expiresAt } = await tokens.issue(claims, now);
    expect((await tokens.verify(token, expiresAt - 1_000)).ok).toBe(true);
    expect(await tokens.verify(token, expiresAt)).toEqual({ ok: false, reason: 'expired' });
  });

  it('calls anything that is not a whole, well-signed invite invalid', async () => {
    const { token } = await tokens.issue(claims, now);
    for (const bad of ['', 'not-a-jwt', token.slice(0, -2), `${token}x`]) {
      expect(await tokens.verify(bad, now)).toEqual({ ok: false, reason: 'invalid' });
    }
    const other = new InviteTokens('another-secret-that-is-long-enough-0000000');
    expect(await other.verify(token, now)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses a well-signed token whose claims are not an invite’s (a kind it does not know)', async () => {
    const forged = await tokens.issue({ ...claims, kind: 'admin' } as unknown as Omit<InviteClaims, 'iat' | 'exp' | 'jti'>, now);
    expect(await tokens.verify(forged.token, now)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('gives every link its own id', async () => {
    const [a, b] = await Promise.all([tokens.issue(claims, now), tokens.issue(claims, now)]);
    const ids = await Promise.all([tokens.verify(a.token, now), tokens.verify(b.token, now)]);
    const jtis = ids.map((v) => (v.ok ? v.claims.jti : null));
    expect(jtis[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(jtis[0]).not.toBe(jtis[1]);
  });

  // A link lives 24 h, so it outlives a deploy: the key's label, the issuer and the audience are a
  // format the next version must still accept. Built here by hand, as an older version built them.
  it('accepts a link built to the format (key label, issuer, audience), and no other label, issuer or audience', async () => {
    const build = async (label: Parameters<typeof importHmacKey>[1], iss: string, aud: string) =>
      new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(iss)
        .setAudience(aud)
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(Math.floor(now / 1000) + 60)
        .setJti('00000000-0000-4000-8000-000000000000')
        .sign(await importHmacKey(SECRET, label));
    // Made before link generations existed: generation 0, which a room has until its host makes new links.
    expect(await tokens.verify(await build('invite-token', 'spell-rooms', 'invite'), now)).toMatchObject({ ok: true, claims: { ...claims, gen: 0 } });
    for (const [label, iss, aud] of [
      ['ws-token', 'spell-rooms', 'invite'],
      ['invite-token', 'spell-rooms-x', 'invite'],
      ['invite-token', 'spell-rooms', 'ws'],
    ] as const) {
      expect(await tokens.verify(await build(label, iss, aud), now)).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('carries the link generation it was made in; one that is not a whole number ≥ 0 is no invite', async () => {
    const made = await tokens.issue({ ...claims, gen: 7 }, now);
    expect(await tokens.verify(made.token, now)).toMatchObject({ ok: true, claims: { gen: 7 } });
    expect(await tokens.verify((await tokens.issue(claims, now)).token, now)).toMatchObject({ ok: true, claims: { gen: 0 } });
    for (const gen of [-1, 1.5, '2', null]) {
      const forged = await tokens.issue({ ...claims, gen } as unknown as Omit<InviteClaims, 'iat' | 'exp' | 'jti'>, now);
      expect(await tokens.verify(forged.token, now)).toEqual({ ok: false, reason: 'invalid' });
    }
  });
});
