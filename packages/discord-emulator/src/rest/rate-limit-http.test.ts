import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../server.ts';
import { botApi } from '../test-helpers.ts';
import { FakeClock } from '@repo/platform/testing';

/** Rate-limit headers and 429s over HTTP, per bucket and global, on a manual clock. */

let emu: EmulatorHandle | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(options: EmulatorOptions = {}) {
  const clock = new FakeClock();
  emu = await startEmulator({ now: () => clock.now(), ...options });
  return { emu, api: botApi(emu), clock };
}

describe('rate limits over HTTP', () => {
  it('puts X-RateLimit-* headers on every response of a limited route', async () => {
    const { emu, api } = await start();
    const res = await api('GET', `/guilds/${emu.guildId}/channels`);
    expect(res.headers.get('x-ratelimit-limit')).toBe('50');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('49');
    expect(Number(res.headers.get('x-ratelimit-reset-after'))).toBe(1);
    expect(res.headers.get('x-ratelimit-reset')).toMatch(/^\d+\.\d{3}$/);
    expect(res.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    const error = await api('GET', '/channels/123456789012345678');
    expect(error.status).toBe(404);
    expect(error.headers.get('x-ratelimit-limit')).toBe('50');
  });

  it('limits channel creation to 5 per 5 s per guild, with a Discord 429', async () => {
    const { emu, api, clock } = await start({ seed: { extraGuildNames: ['Second Guild'] } });
    const create = (guildId: string) => api('POST', `/guilds/${guildId}/channels`, { name: 'room', type: 2 });
    for (let i = 0; i < 5; i++) expect((await create(emu.guildId)).status).toBe(201);
    await clock.advance(2_000);
    const limited = await create(emu.guildId);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'You are being rate limited.', retry_after: 3, global: false });
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('x-ratelimit-global')).toBeNull();
    expect(emu.state.rateLimitHits).toEqual([
      expect.objectContaining({ method: 'POST', route: 'POST /guilds/:id/channels', scope: 'user', injected: false }),
    ]);

    const other = emu.state.guildIds()[1] ?? '';
    expect((await create(other)).status).toBe(201);
    await clock.advance(3_000);
    expect((await create(emu.guildId)).status).toBe(201);
  });

  it('limits channel deletes per guild even though each URL names a different channel', async () => {
    const { emu, api } = await start({ rateLimits: 'off', routeLimits: { 'DELETE /channels/:id': { limit: 5, windowMs: 5_000 } } });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await api('POST', `/guilds/${emu.guildId}/channels`, { name: `r${i}` })).body.id);
    const statuses = [];
    for (const id of ids) statuses.push((await api('DELETE', `/channels/${id}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('limits member role changes to 10 per 10 s per guild', async () => {
    const { emu, api } = await start();
    const role = (await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'r' })).body;
    const add = (user: string) => api('PUT', `/guilds/${emu.guildId}/members/${user}/roles/${role.id}`);
    const users = [emu.users.alice.id, emu.users.bob.id];
    for (let i = 0; i < 10; i++) expect((await add(users[i % 2] ?? '')).status).toBe(204);
    const limited = await add(emu.users.carol.id);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('10');
  });

  it('enforces the global limit per bot token with X-RateLimit-Global', async () => {
    const { emu, api, clock } = await start({ globalLimitPerSecond: 5 });
    for (let i = 0; i < 5; i++) expect((await api('GET', '/users/@me')).status).toBe(200);
    const limited = await api('GET', `/guilds/${emu.guildId}`);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: 'You are being rate limited.', retry_after: 1, global: true, code: 0 });
    expect(limited.headers.get('x-ratelimit-global')).toBe('true');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('global');
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(emu.state.rateLimitHits.at(-1)).toMatchObject({ scope: 'global', bucket: 'global' });
    await clock.advance(1_000);
    expect((await api('GET', `/guilds/${emu.guildId}`)).status).toBe(200);
  });

  it('honours routeLimits overrides, and sends no limit headers with rateLimits off', async () => {
    const { api } = await start({ routeLimits: { 'GET /users/@me': { limit: 2, windowMs: 1_000 } } });
    expect((await api('GET', '/users/@me')).headers.get('x-ratelimit-limit')).toBe('2');
    await api('GET', '/users/@me');
    expect((await api('GET', '/users/@me')).status).toBe(429);
    await emu?.close();

    const off = await start({ rateLimits: 'off' });
    for (let i = 0; i < 60; i++) {
      const res = await off.api('POST', `/guilds/${off.emu.guildId}/channels`, { name: 'x' });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    }
  });
});
