import { describe, expect, it } from 'vitest';
import { type Session, SessionCookies, readCookie } from './session.ts';
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

function cookieValue(setCookie: string): string {
  return setCookie.split(';')[0]!;
}

describe('SessionCookies', () => {
  it('round-trips a session through an encrypted, HttpOnly, SameSite=Lax cookie', async () => {
    const cookies = new SessionCookies(secret, { secure: false });
    const header = await cookies.sessionCookie(session, now);
    expect(header).toMatch(/^sr_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=2592000$/);
    expect(header).not.toContain('discord-access-token');
    expect(await cookies.readSession(cookieValue(header), now)).toEqual({ ok: true, value: session });
  });

  it('uses a __Host- Secure cookie over https', async () => {
    const header = await new SessionCookies(secret, { secure: true }).sessionCookie(session, now);
    expect(header).toMatch(/^__Host-sr_session=.*; Secure$/);
  });

  it('rejects a tampered cookie, a cookie sealed with another key, and an expired one', async () => {
    const cookies = new SessionCookies(secret, { secure: false });
    const value = cookieValue(await cookies.sessionCookie(session, now));
    const tampered = value.slice(0, -4) + (value.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await cookies.readSession(tampered, now)).toEqual({ ok: false, reason: 'invalid' });
    const foreign = cookieValue(await new SessionCookies(`${secret}-other`, { secure: false }).sessionCookie(session, now));
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
