import { DiscordRestClient } from '@repo/discord-rest';
import { type EmulatorHandle, startEmulator } from '@repo/discord-emulator';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { AuthService, REFRESH_MARGIN_MS } from './auth-service.ts';
import { DiscordOAuth } from './discord-oauth.ts';
import { discordUserDirectory } from './discord-users.ts';
import { LoginError } from './login-failures.ts';
import { SessionCookies } from './session.ts';
import { MemorySiteUsers } from './site-users.ts';

/** AuthService against the emulator's real OAuth2 and REST, sharing one movable clock with it. */
const REDIRECT = 'http://127.0.0.1:3999/auth/discord/callback';
const TOKEN_TTL_S = 3_600;

let emulator: EmulatorHandle;
let rest: DiscordRestClient;
let now = Date.UTC(2026, 10, 25, 12);
const clock = () => now;

function service(overrides: { clientSecret?: string; siteUsers?: MemorySiteUsers } = {}): AuthService {
  return new AuthService({
    ...(overrides.siteUsers ? { siteUsers: overrides.siteUsers } : {}),
    cookies: new SessionCookies('integration-test-secret-0123456789abcdef', { secure: false }),
    oauth: new DiscordOAuth({ clientId: emulator.clientId, clientSecret: overrides.clientSecret ?? emulator.clientSecret, redirectUri: REDIRECT, apiUrl: emulator.apiUrl }),
    users: discordUserDirectory(rest, emulator.guildId),
    log: pino({ level: 'silent' }),
    now: clock,
  });
}

/** The browser's part: follow the login redirect, click "Continue as <user>", come back. */
async function authorize(auth: AuthService, user: string, returnTo = '/') {
  const { location, setCookie } = await auth.beginLogin(returnTo);
  const res = await fetch(location, { method: 'POST', body: new URLSearchParams({ user }), redirect: 'manual' });
  expect(res.status).toBe(302);
  return { callback: new URL(res.headers.get('location') ?? ''), loginCookie: setCookie.split(';')[0]!, authorizeUrl: new URL(location) };
}

async function signIn(auth: AuthService, user: string, returnTo = '/') {
  const { callback, loginCookie } = await authorize(auth, user, returnTo);
  const result = await auth.completeLogin(callback, loginCookie);
  const session = result.setCookies.find((c) => c.startsWith('sr_session=') && !c.includes('Max-Age=0'))!;
  return { ...result, cookie: session.split(';')[0]! };
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, tokenTtlSeconds: TOKEN_TTL_S, now: clock });
  rest = new DiscordRestClient({ botToken: emulator.botToken, apiBaseUrl: emulator.apiUrl });
});
afterAll(async () => {
  rest?.close();
  await emulator?.close();
});
beforeEach(async () => {
  await fetch(`${emulator.controlUrl}/reset`, { method: 'POST' });
});

describe('sign-in', () => {
  it('asks Discord for identify + guilds + guilds.join with PKCE S256 and a state', async () => {
    const { authorizeUrl } = await authorize(service(), 'alice');
    expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${emulator.url}/oauth2/authorize`);
    const q = authorizeUrl.searchParams;
    expect(q.get('scope')).toBe('identify guilds guilds.join');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(q.get('redirect_uri')).toBe(REDIRECT);
  });

  it('creates a session and returns to the page the user started from', async () => {
    const auth = service();
    const { location, cookie } = await signIn(auth, 'alice', '/rooms/abc?tab=players');
    expect(location).toBe('/rooms/abc?tab=players');
    const { session } = await auth.authenticate(cookie, '/');
    expect(session).toMatchObject({ userId: emulator.users.alice.id, username: 'alice' });
  });

  it('remembers who completed a sign-in (the voice list marks them "not a player"), and no one else', async () => {
    const siteUsers = new MemorySiteUsers();
    const auth = service({ siteUsers });
    const forged = await authorize(auth, 'bob');
    forged.callback.searchParams.set('state', 'forged-state-value-0123456789');
    await expect(auth.completeLogin(forged.callback, forged.loginCookie)).rejects.toMatchObject({ reason: 'mismatch' });
    const { alice, bob } = emulator.users;
    expect(await siteUsers.signedIn([alice.id, bob.id])).toEqual(new Set());
    await signIn(auth, 'alice');
    expect(await siteUsers.signedIn([alice.id, bob.id])).toEqual(new Set([alice.id]));
  });

  it('adds a user who is not in the guild yet (heidi), with their own token', async () => {
    const heidi = emulator.users.heidi.id;
    expect(emulator.state.isMember(emulator.guildId, heidi)).toBe(false);
    await signIn(service(), 'heidi');
    expect(emulator.state.isMember(emulator.guildId, heidi)).toBe(true);
  });

  it('falls back to / for a foreign returnTo', async () => {
    for (const evil of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)']) {
      expect((await signIn(service(), 'bob', evil)).location).toBe('/');
    }
  });

  it('rejects a forged state, a missing code, a reused code, a cancelled consent and a missing cookie; no session', async () => {
    const auth = service();
    const forged = await authorize(auth, 'alice');
    forged.callback.searchParams.set('state', 'forged-state-value-0123456789');
    await expect(auth.completeLogin(forged.callback, forged.loginCookie)).rejects.toMatchObject({ reason: 'mismatch' });

    const noCode = await authorize(auth, 'alice');
    noCode.callback.searchParams.delete('code');
    await expect(auth.completeLogin(noCode.callback, noCode.loginCookie)).rejects.toMatchObject({ reason: 'missing_code' });

    const once = await authorize(auth, 'alice');
    await auth.completeLogin(once.callback, once.loginCookie);
    await expect(auth.completeLogin(once.callback, once.loginCookie)).rejects.toMatchObject({ reason: 'rejected' });

    const cancelled = await authorize(auth, 'alice');
    const denied = new URL(cancelled.callback);
    denied.search = `?error=access_denied&state=${cancelled.callback.searchParams.get('state')}`;
    await expect(auth.completeLogin(denied, cancelled.loginCookie)).rejects.toMatchObject({ reason: 'cancelled' });

    const noCookie = await authorize(auth, 'alice');
    await expect(auth.completeLogin(noCookie.callback, null)).rejects.toBeInstanceOf(LoginError);
  });

  it('rejects a code exchanged with the wrong client secret', async () => {
    const auth = service({ clientSecret: 'not-the-secret' });
    const attempt = await authorize(auth, 'alice');
    await expect(auth.completeLogin(attempt.callback, attempt.loginCookie)).rejects.toMatchObject({ reason: 'rejected' });
  });
});

describe('sessions', () => {
  it('401s with a login URL carrying the page for no cookie, a tampered cookie, or a foreign-key cookie', async () => {
    const auth = service();
    const { cookie } = await signIn(auth, 'alice');
    const foreign = await signIn(
      new AuthService({ ...authOptionsWithSecret('another-secret-that-is-long-enough-000000') }),
      'alice',
    );
    for (const bad of [null, `${cookie.slice(0, -3)}abc`, foreign.cookie]) {
      const error = await auth.authenticate(bad, '/rooms/r1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ status: 401, options: { loginUrl: '/auth/discord/login?returnTo=%2Frooms%2Fr1' } });
    }
  });

  it('refreshes an expiring access token silently and re-issues the cookie', async () => {
    const auth = service();
    const { cookie } = await signIn(auth, 'carol');
    const before = (await auth.authenticate(cookie, '/')).session;

    now += TOKEN_TTL_S * 1000 - REFRESH_MARGIN_MS + 1_000; // inside the refresh margin
    const { session, setCookie } = await auth.authenticate(cookie, '/');
    expect(setCookie).toMatch(/^sr_session=/);
    expect(session.accessToken).not.toBe(before.accessToken);
    expect(session.refreshToken).not.toBe(before.refreshToken);
    // Discord (the emulator) accepts the new token.
    expect((await rest.getCurrentUser(session.accessToken)).username).toBe('carol');
  });

  it('shares one refresh between concurrent requests (the refresh token is spent once)', async () => {
    const auth = service();
    const { cookie } = await signIn(auth, 'dave');
    now += TOKEN_TTL_S * 1000;
    const results = await Promise.all([auth.authenticate(cookie, '/'), auth.authenticate(cookie, '/'), auth.authenticate(cookie, '/')]);
    const tokens = new Set(results.map((r) => r.session.accessToken));
    expect(tokens.size).toBe(1);
    // A late request still holding the old cookie gets the same new session, not a dead-token 401.
    expect((await auth.authenticate(cookie, '/')).session.accessToken).toBe([...tokens][0]);
  });

  it('sends the user to sign in again when the refresh token is refused', async () => {
    const auth = service();
    const { cookie } = await signIn(auth, 'erin');
    now += TOKEN_TTL_S * 1000;
    // Another server (or a reset) spent this refresh token: Discord refuses it.
    await fetch(`${emulator.controlUrl}/reset`, { method: 'POST' });
    await expect(auth.authenticate(cookie, '/rooms/r9')).rejects.toMatchObject({
      status: 401,
      options: { loginUrl: '/auth/discord/login?returnTo=%2Frooms%2Fr9' },
    });
  });
});

describe('logout', () => {
  it('ends the sign-in: the old cookie gets 401 and reads as signed out, even a copy re-issued by a refresh', async () => {
    const auth = service();
    const { cookie } = await signIn(auth, 'frank');
    now += TOKEN_TTL_S * 1000 - REFRESH_MARGIN_MS + 1_000;
    const refreshed = (await auth.authenticate(cookie, '/')).setCookie!.split(';')[0]!;
    expect((await auth.authenticate(refreshed, '/')).session.username).toBe('frank');

    const clear = await auth.logout(cookie);
    expect(clear).toMatch(/^sr_session=; .*Max-Age=0/);
    for (const copy of [cookie, refreshed]) {
      // `unauthenticated` is what public pages read as signed out (optionalSession in request-session.ts).
      await expect(auth.authenticate(copy, '/rooms/r2')).rejects.toMatchObject({ kind: 'unauthenticated', status: 401, options: { loginUrl: '/auth/discord/login?returnTo=%2Frooms%2Fr2' } });
    }
  });

  it('leaves the same user’s other sign-ins (another browser) signed in', async () => {
    const auth = service();
    const laptop = await signIn(auth, 'grace');
    const phone = await signIn(auth, 'grace');
    await auth.logout(laptop.cookie);
    await expect(auth.authenticate(laptop.cookie, '/')).rejects.toMatchObject({ status: 401 });
    expect((await auth.authenticate(phone.cookie, '/')).session.username).toBe('grace');
  });

  it('clears the cookie when there is no valid session, revoking nothing', async () => {
    const auth = service();
    const { cookie } = await signIn(auth, 'heidi');
    for (const bad of [null, 'sr_session=garbage', `${cookie.slice(0, -3)}abc`]) {
      expect(await auth.logout(bad)).toMatch(/^sr_session=; .*Max-Age=0/);
    }
    expect((await auth.authenticate(cookie, '/')).session.username).toBe('heidi');
  });
});

function authOptionsWithSecret(secret: string) {
  return {
    cookies: new SessionCookies(secret, { secure: false }),
    oauth: new DiscordOAuth({ clientId: emulator.clientId, clientSecret: emulator.clientSecret, redirectUri: REDIRECT, apiUrl: emulator.apiUrl }),
    users: discordUserDirectory(rest, emulator.guildId),
    log: pino({ level: 'silent' }),
    now: clock,
  };
}
