import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../server.ts';
import { botApi, controlApi, oauthLogin, type ApiCall, type ApiResponse } from '../test-helpers.ts';
import { countsAsInvalid, InvalidRequestLimit } from './invalid-request-limit.ts';
import { INVALID_REQUEST_BAN_BODY } from './rest-api.ts';
import { FakeClock } from '@repo/platform/testing';

/**
 * Discord's invalid-request limit (its Cloudflare ban): 401, 403 and non-shared 429 answers count
 * per credential over a window; at the limit every request is refused with a bare 429 until the
 * window ends. Real 429s carry `Via: 1.1 google`; the ban's do not.
 */

const BAN_MESSAGE =
  'You are being blocked from accessing our API temporarily due to exceeding our rate limits frequently. Please read our docs at https://discord.com/developers/docs/topics/rate-limits to prevent this moving forward.';

describe('InvalidRequestLimit', () => {
  it('uses Discord’s numbers: 10,000 per 10 minutes; the 10,000th is answered, the next request is banned', () => {
    const clock = new FakeClock();
    const limit = new InvalidRequestLimit({}, () => clock.now());
    expect([limit.limit, limit.windowMs]).toEqual([10_000, 600_000]);
    for (let i = 0; i < 9_999; i++) limit.record('t', 403, undefined);
    expect(limit.isBanned('t')).toBe(false);
    limit.record('t', 429, 'user');
    expect(limit.count('t')).toEqual({ count: 10_000, limit: 10_000, resetAfterMs: 600_000, banned: true });
  });

  it('counts 401, 403 and 429 (user or global scope), not a shared 429 or any other status', () => {
    expect([401, 403].map((s) => countsAsInvalid(s, undefined))).toEqual([true, true]);
    expect(['user', 'global', undefined].map((scope) => countsAsInvalid(429, scope))).toEqual([true, true, true]);
    expect(countsAsInvalid(429, 'shared')).toBe(false);
    expect([200, 204, 400, 404, 405, 500].some((s) => countsAsInvalid(s, undefined))).toBe(false);
  });

  it('opens its window at the first invalid answer and forgets everything when it ends', async () => {
    const clock = new FakeClock();
    const limit = new InvalidRequestLimit({ limit: 2, windowMs: 1_000 }, () => clock.now());
    await clock.advance(500);
    limit.record('t', 401, undefined);
    await clock.advance(999);
    limit.record('t', 401, undefined);
    expect(limit.count('t')).toMatchObject({ count: 2, resetAfterMs: 1, banned: true });
    await clock.advance(1);
    expect(limit.count('t')).toEqual({ count: 0, limit: 2, resetAfterMs: 0, banned: false });
  });

  it('rejects a limit or window that is not a positive integer', () => {
    expect(() => new InvalidRequestLimit({ limit: 0 }, Date.now)).toThrow(RangeError);
    expect(() => new InvalidRequestLimit({ windowMs: 0.5 }, Date.now)).toThrow(RangeError);
  });
});

describe('the ban, over HTTP', () => {
  let emu: EmulatorHandle;
  let api: ApiCall;
  const clock = new FakeClock();
  afterEach(async () => {
    await emu.close();
  });

  async function start(limit: number): Promise<void> {
    emu = await startEmulator({ port: 0, rateLimits: 'off', now: () => clock.now(), invalidRequestLimit: { limit, windowMs: 60_000 } });
    api = botApi(emu);
  }

  /** A 403 (the bot lacks KICK_MEMBERS) and an injected user-scope 429. */
  const forbidden = () => api('DELETE', `/guilds/${emu.guildId}/members/${emu.users.alice.id}`);
  const inject429 = (extra: Record<string, unknown> = {}) =>
    controlApi(emu)('POST', 'faults', { kind: 'rest.status', route: '/users/@me', status: 429, ...extra });

  function expectBan(res: ApiResponse): void {
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ code: 0, message: BAN_MESSAGE });
    expect(res.body).toEqual(INVALID_REQUEST_BAN_BODY);
    const names = [...res.headers.keys()];
    expect(names.filter((n) => n.startsWith('x-ratelimit') || n === 'retry-after' || n === 'via')).toEqual([]);
  }

  it('real answers carry Via: 1.1 google, 429s included, with Discord’s 429 body', async () => {
    await start(100);
    expect((await api('GET', '/users/@me')).headers.get('via')).toBe('1.1 google');
    expect((await api('GET', '/channels/1')).headers.get('via')).toBe('1.1 google');
    await inject429({ retryAfter: 2.5 });
    const limited = await api('GET', '/users/@me');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('via')).toBe('1.1 google');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.body).toEqual({ message: 'You are being rate limited.', retry_after: 2.5, global: false });
  });

  it('401, 403 and 429 count; at the limit every request of that token gets the bare ban 429', async () => {
    await start(3);
    expect((await forbidden()).status).toBe(403);
    await inject429();
    expect((await api('GET', '/users/@me')).status).toBe(429);
    expect((await api('GET', '/channels/1')).status).toBe(404); // not counted
    expect(emu.invalidRequests.count(emu.botToken).count).toBe(2);
    expect((await api('GET', '/users/@me')).status).toBe(200); // one short of the limit: still served

    expect((await forbidden()).status).toBe(403); // the 3rd: answered, and now banned
    expectBan(await api('GET', '/users/@me'));
    expectBan(await api('GET', '/no/such/route'));
    expect(emu.invalidRequests.count(emu.botToken)).toMatchObject({ count: 3, banned: true });
  });

  it('counts per credential: a banned bot token does not ban an OAuth user; 401s of a bad token count for it', async () => {
    await start(2);
    await forbidden();
    await forbidden();
    expectBan(await api('GET', '/users/@me'));
    const { access_token } = await oauthLogin(emu, 'alice', 'identify');
    expect((await api('GET', '/users/@me', undefined, { Authorization: `Bearer ${access_token}` })).status).toBe(200);

    const bad = { Authorization: 'Bot not-a-token' };
    expect((await api('GET', '/users/@me', undefined, bad)).status).toBe(401);
    expect((await api('GET', '/users/@me', undefined, bad)).status).toBe(401);
    expectBan(await api('GET', '/users/@me', undefined, bad));
  });

  it('lasts until the window ends: banned 1 ms before, served at the edge', async () => {
    await start(1);
    await forbidden();
    await clock.advance(59_999);
    expectBan(await api('GET', '/users/@me'));
    await clock.advance(1);
    const served = await api('GET', '/users/@me');
    expect(served.status).toBe(200);
    expect(served.headers.get('via')).toBe('1.1 google');
    expect(emu.invalidRequests.count(emu.botToken).count).toBe(0);
  });

  it('a 429 with X-RateLimit-Scope: shared does not count', async () => {
    await start(1);
    await inject429({ scope: 'shared', count: 3 });
    for (let i = 0; i < 3; i++) {
      const res = await api('GET', '/users/@me');
      expect(res.status).toBe(429);
      expect(res.headers.get('x-ratelimit-scope')).toBe('shared');
      expect(res.body).toEqual({ message: 'The resource is being rate limited.', retry_after: 1, global: false });
    }
    expect(emu.invalidRequests.count(emu.botToken).count).toBe(0);
    expect((await api('GET', '/users/@me')).status).toBe(200);
  });

  it('the control API shows the count and a reset lifts the ban', async () => {
    await start(1);
    await forbidden();
    const state = await controlApi(emu)('GET', 'state');
    expect(state.body.invalidRequests).toMatchObject({ count: 1, limit: 1, banned: true });
    await controlApi(emu)('POST', 'reset');
    expect((await api('GET', '/users/@me')).status).toBe(200);
  });
});
