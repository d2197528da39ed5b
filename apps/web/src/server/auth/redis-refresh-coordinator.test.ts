import { type EmulatorHandle, startEmulator } from '@repo/discord-emulator';
import { DiscordRestClient } from '@repo/discord-rest';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisTestSpace, redisAvailable, silentLog } from '../../../test/cluster/redis.ts';
import { AuthService, REFRESH_MARGIN_MS } from './auth-service.ts';
import { DiscordOAuth } from './discord-oauth.ts';
import { discordUserDirectory } from './discord-users.ts';
import { SessionCookies } from './session.ts';
import { systemClock } from '@repo/platform';
import { RedisRefreshCoordinator } from './redis-refresh-coordinator.ts';

const available = await redisAvailable();
const SECRET = 'cluster-test-secret-0123456789abcdef';
const TOKEN_TTL_S = 3_600;

let emulator: EmulatorHandle;
let rest: DiscordRestClient;
let now = Date.UTC(2026, 10, 25, 12);

/**
 * R-SCALE2: Discord rotates refresh tokens, so two instances refreshing one user's token at the
 * same instant would spend it twice and sign the user out. Real Redis, the emulator's real OAuth2.
 */
describe.runIf(available)('one token refresh across instances (real Redis)', () => {
  let space: RedisTestSpace;
  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, tokenTtlSeconds: TOKEN_TTL_S, now: () => now });
    rest = new DiscordRestClient({ botToken: emulator.botToken, apiBaseUrl: emulator.apiUrl });
  });
  afterAll(async () => {
    rest?.close();
    await emulator?.close();
  });
  beforeEach(() => {
    space = new RedisTestSpace();
  });
  afterEach(async () => {
    await space.cleanup();
  });

  /** One app instance: its own AuthService, its own Redis connection, the shared secret. */
  async function instance(name: string, options: { apiUrl?: string; claimTtlMs?: number } = {}) {
    const redis = await space.connect(name);
    return new AuthService({
      cookies: new SessionCookies(SECRET, { secure: false }),
      oauth: new DiscordOAuth({ clientId: emulator.clientId, clientSecret: emulator.clientSecret, redirectUri: 'http://127.0.0.1:3999/auth/discord/callback', apiUrl: options.apiUrl ?? emulator.apiUrl }),
      users: discordUserDirectory(rest, emulator.guildId),
      log: pino({ level: 'silent' }),
      now: () => now,
      refreshes: new RedisRefreshCoordinator(redis, space.keys, systemClock, silentLog, { claimTtlMs: options.claimTtlMs ?? 10_000, outcomeTtlMs: 60_000, pollMs: 10 }),
    });
  }

  async function signIn(auth: AuthService, user: string): Promise<string> {
    const { location, setCookie } = await auth.beginLogin('/');
    const res = await fetch(location, { method: 'POST', body: new URLSearchParams({ user }), redirect: 'manual' });
    const result = await auth.completeLogin(new URL(res.headers.get('location') ?? ''), setCookie.split(';')[0]!);
    return result.setCookies.find((c) => c.startsWith('sr_session=') && !c.includes('Max-Age=0'))!.split(';')[0]!;
  }

  it('two instances refreshing the same expiring sign-in at once spend the refresh token once and agree', async () => {
    const [a, b, c] = await Promise.all([instance('a'), instance('b'), instance('c')]);
    const cookie = await signIn(a, 'alice');
    now += TOKEN_TTL_S * 1000 - REFRESH_MARGIN_MS + 1_000;
    const results = await Promise.all([a.authenticate(cookie, '/'), b.authenticate(cookie, '/'), c.authenticate(cookie, '/'), b.authenticate(cookie, '/')]);
    expect(new Set(results.map((r) => r.session.accessToken)).size).toBe(1);
    for (const r of results) expect(r.setCookie).toMatch(/^sr_session=/);
    // The shared session is the one Discord issued: its token works, and nothing secret sits in Redis in clear.
    expect((await rest.getCurrentUser(results[0]!.session.accessToken)).username).toBe('alice');
    const redis = await space.connect('inspect');
    const outcomeKeys = await redis.keys(`${space.prefix}*refresh:*:outcome`);
    expect(outcomeKeys).toHaveLength(1);
    const stored = await redis.get(outcomeKeys[0]!);
    expect(stored).toMatch(/^ey/); // a JWE
    expect(stored).not.toContain(results[0]!.session.accessToken);
    expect(stored).not.toContain(results[0]!.session.refreshToken);
    // A request that still carries the old cookie, on yet another instance, gets the same session.
    const late = await instance('late');
    expect((await late.authenticate(cookie, '/')).session.accessToken).toBe(results[0]!.session.accessToken);
  });

  it('a refused refresh is shared too: every instance sends the user to sign in again', async () => {
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    const cookie = await signIn(a, 'bob');
    now += TOKEN_TTL_S * 1000;
    await fetch(`${emulator.controlUrl}/reset`, { method: 'POST' }); // the refresh token is gone on Discord's side
    const outcomes = await Promise.allSettled([a.authenticate(cookie, '/r'), b.authenticate(cookie, '/r')]);
    for (const o of outcomes) expect(o).toMatchObject({ status: 'rejected', reason: { status: 401 } });
  });

  it('a claimant that could not reach Discord shares nothing: the next instance refreshes itself', async () => {
    const offline = await instance('offline', { apiUrl: 'http://127.0.0.1:9/api' });
    const online = await instance('online');
    const cookie = await signIn(online, 'carol');
    now += TOKEN_TTL_S * 1000;
    await expect(offline.authenticate(cookie, '/')).rejects.toMatchObject({ status: 502 });
    const { session } = await online.authenticate(cookie, '/');
    expect((await rest.getCurrentUser(session.accessToken)).username).toBe('carol');
  });
});
