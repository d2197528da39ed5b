import { describe, expect, it } from 'vitest';
import { importAesGcmKey } from './keys.ts';
import { seal } from './sealed.ts';
import { SESSION_MAX_AGE_SECONDS, type Session, SessionCookies, newSessionMeta, readCookie } from './session.ts';
import { WsTokens } from './ws-token.ts';

const secret = 'a-test-session-secret-that-is-long-enough-0123';
const session: Session = {
  userId: '111111111111111111',
  username: 'alice',
  globalName: 'Alice',
  avatar: null,
  accessToken: 'discord-access-token',
  refreshToken: 'discord-refresh-token',
  accessTokenExpiresAt: 2_000_000,
};
const now = 1_700_000_000_000;
const meta = newSessionMeta(now);

function cookieValue(setCookie: string): string {
  return setCookie.split(';')[0]!;
}

describe('SessionCookies', () => {
  it('round-trips a session through an encrypted, HttpOnly, SameSite=Lax cookie', async () => {
    const cookies = new SessionCookies(secret, { secure: false });
    const header = await cookies.sessionCookie(session, meta, now);
    expect(header).toMatch(/^sr_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=2592000$/);
    expect(header).not.toContain('discord-access-token');
    expect(await cookies.readSession(cookieValue(header), now)).toEqual({ ok: true, value: { session, meta } });
  });

  it('names the sign-in with a fresh 128-bit id that ends 30 days after sign-in', () => {
    expect(meta.sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newSessionMeta(now).sid).not.toBe(meta.sid);
    expect(meta.expiresAt).toBe(now + SESSION_MAX_AGE_SECONDS * 1000);
  });

  it('re-issues a cookie (after a token refresh) that still ends when its sign-in does', async () => {
    const cookies = new SessionCookies(secret, { secure: false });
    const later = now + 10 * 24 * 3600 * 1000;
    const header = await cookies.sessionCookie(session, meta, later);
    expect(header).toContain(`Max-Age=${20 * 24 * 3600}`);
    const value = cookieValue(header);
    expect(await cookies.readSession(value, meta.expiresAt - 1_000)).toMatchObject({ ok: true, value: { meta } });
    expect(await cookies.readSession(value, meta.expiresAt + 1_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('reads a cookie sealed before sessions had an id as no session', async () => {
    const cookies = new SessionCookies(secret, { secure: false });
    // Exactly what the previous version wrote: the session alone, under the same key.
    const old = await seal(session, await importAesGcmKey(secret, 'session-cookie'), SESSION_MAX_AGE_SECONDS, now);
    expect(await cookies.readSession(`sr_session=${old}`, now)).toEqual({ ok: false, reason: 'invalid' });
    const badId = await seal({ ...session, sid: 'short', sessionExpiresAt: meta.expiresAt }, await importAesGcmKey(secret, 'session-cookie'), 60, now);
    expect(await cookies.readSession(`sr_session=${badId}`, now)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('uses a __Host- Secure cookie over https', async () => {
    const header = await new SessionCookies(secret, { secure: true }).sessionCookie(session, meta, now);
    expect(header).toMatch(/^__Host-sr_session=.*; Secure$/);
  });

  it('rejects a tampered cookie, a cookie sealed with another key, and an expired one', async () => {
    const cookies = new SessionCookies(secret, { secure: false });
    const value = cookieValue(await cookies.sessionCookie(session, meta, now));
    const tampered = value.slice(0, -4) + (value.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await cookies.readSession(tampered, now)).toEqual({ ok: false, reason: 'invalid' });
    const foreign = cookieValue(await new SessionCookies(`${secret}-other`, { secure: false }).sessionCookie(session, meta, now));
    expect(await cookies.readSession(foreign, now)).toEqual({ ok: false, reason: 'invalid' });
    expect(await cookies.readSession(value, now + 31 * 24 * 3600 * 1000)).toEqual({ ok: false, reason: 'expired' });
    expect(await cookies.readSession(null, now)).toBeNull();
  });

  it('keeps login state and session under different keys', async () => {
    const cookies = new SessionCookies(secret, { secure: false });
    const login = cookieValue(await cookies.loginCookie({ state: 's'.repeat(20), codeVerifier: 'v'.repeat(43), returnTo: '/' }, now));
    // Presenting the login-state value as a session must fail.
    const asSession = `sr_session=${login.split('=')[1]}`;
    expect(await cookies.readSession(asSession, now)).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('readCookie', () => {
  it('finds a cookie among others', () => {
    expect(readCookie('a=1; sr_session=xyz; b=2', 'sr_session')).toBe('xyz');
    expect(readCookie('a=1', 'sr_session')).toBeUndefined();
  });
});

describe('WsTokens', () => {
  it('issues a 5-minute token for the user and verifies it', async () => {
    const tokens = new WsTokens(secret);
    const { token, expiresAt } = await tokens.issue('42', now);
    expect(expiresAt).toBe(now + 300_000);
    expect(await tokens.verify(token, now + 299_000)).toBe('42');
    expect(await tokens.verify(token, now + 301_000)).toBeNull();
  });

  it('rejects forged tokens and tokens signed with another purpose key', async () => {
    const tokens = new WsTokens(secret);
    const { token } = await tokens.issue('42', now);
    expect(await tokens.verify(`${token.slice(0, -2)}xx`, now)).toBeNull();
    expect(await new WsTokens(`${secret}-2`).verify(token, now)).toBeNull();
    expect(await tokens.verify('not.a.jwt', now)).toBeNull();
  });
});
