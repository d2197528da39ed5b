import { startEmulator } from '@repo/discord-emulator';
import { DiscordRestClient, InMemoryRateLimitStateStore, type RateLimitStateStore } from '@repo/discord-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTestSpace, redisAvailable } from '../../../test/cluster/redis.ts';
import { RedisRateLimitStateStore } from './redis-rate-limit-store.ts';

const available = await redisAvailable();

// The package's bucket derivation, restated (bucketOf is internal to @repo/discord-rest).
const guild = '111111111111111111';
const addRole = { method: 'PUT', route: '/guilds/:id/members/:id/roles/:id', majorParameter: guild };
const otherGuild = { ...addRole, majorParameter: '444444444444444444' };
const me = { method: 'GET', route: '/users/@me', majorParameter: 'global' };
const headers = (remaining: number, resetAfterMs: number, limit = 5) => ({ kind: 'headers', bucketHash: 'abc', limit, remaining, resetAfterMs }) as const;

/**
 * The shared REST budget (R-RL2). The same scenarios as the package's in-memory store, run on both
 * (the in-memory one is the reference), then two clients in two "instances" against the emulator.
 */
describe.runIf(available)('RedisRateLimitStateStore (real Redis)', () => {
  const space = new RedisTestSpace();
  let stores: Array<[string, () => Promise<RateLimitStateStore>]>;
  let n = 0;
  beforeAll(async () => {
    const redis = await space.connect('rl');
    // A fresh scope per store: each scenario starts from an empty budget.
    stores = [
      ['memory', async () => new InMemoryRateLimitStateStore()],
      ['redis', async () => new RedisRateLimitStateStore(redis, new RedisTestSpace(space.prefix, `s${n++}`).keys)],
    ];
  });
  afterAll(() => space.cleanup());

  const each = (title: string, scenario: (store: RateLimitStateStore) => Promise<void>) =>
    it(title, async () => {
      for (const [, make] of stores) await scenario(await make());
    });

  each('lets requests through until the announced budget is spent, then waits for the reset', async (store) => {
    expect(await store.acquire(addRole, 0)).toBeNull();
    await store.update(addRole, headers(1, 1_000, 2), 0);
    expect(await store.acquire(addRole, 10)).toBeNull();
    expect(await store.acquire(addRole, 20)).toEqual({ waitMs: 980, reason: 'bucket' });
    expect(await store.acquire(otherGuild, 20)).toBeNull();
    expect(await store.acquire(addRole, 1_000)).toBeNull();
  });

  each('makes concurrent callers spend one budget', async (store) => {
    await store.acquire(addRole, 0);
    await store.update(addRole, headers(2, 500, 3), 0);
    const grants = await Promise.all([1, 2, 3, 4].map(() => store.acquire(addRole, 100)));
    expect(grants.filter((g) => g === null)).toHaveLength(2);
    expect(grants.filter((g) => g !== null)).toEqual([
      { waitMs: 400, reason: 'bucket' },
      { waitMs: 400, reason: 'bucket' },
    ]);
  });

  each('does not believe a response that ignores requests still in flight', async (store) => {
    await store.acquire(addRole, 0);
    await store.update(addRole, headers(3, 1_000), 0);
    expect(await store.acquire(addRole, 10)).toBeNull();
    expect(await store.acquire(addRole, 10)).toBeNull();
    await store.update(addRole, headers(2, 990), 10);
    expect(await store.acquire(addRole, 20)).toBeNull();
    expect(await store.acquire(addRole, 20)).toEqual({ waitMs: 980, reason: 'bucket' });
  });

  each('ignores a late answer from a window that is already over', async (store) => {
    await store.acquire(addRole, 0);
    await store.update(addRole, headers(0, 1_000), 0);
    expect(await store.acquire(addRole, 1_000)).toBeNull();
    await store.update(addRole, headers(4, 1_000), 1_000);
    await store.update(addRole, headers(0, 10), 1_005);
    expect(await store.acquire(addRole, 1_020)).toBeNull();
  });

  each('stops counting an attempt as in flight once it ended without budget information', async (store) => {
    await store.acquire(addRole, 0);
    await store.update(addRole, headers(1, 1_000), 0);
    expect(await store.acquire(addRole, 10)).toBeNull();
    await store.update(addRole, { kind: 'released' }, 20);
    expect(await store.acquire(addRole, 30)).toEqual({ waitMs: 970, reason: 'bucket' });
    expect(await store.acquire(addRole, 1_000)).toBeNull();
    await store.update(addRole, headers(4, 1_000), 1_010);
    const grants = await Promise.all([1, 2, 3, 4, 5].map(() => store.acquire(addRole, 1_020)));
    expect(grants.filter((g) => g === null)).toHaveLength(4);
  });

  each('blocks a bucket for retry_after after a 429, whatever its headers said', async (store) => {
    await store.acquire(addRole, 0);
    await store.update(addRole, headers(4, 100), 0);
    await store.acquire(addRole, 0);
    await store.update(addRole, { kind: '429', bucketHash: 'abc', global: false, scope: 'shared', retryAfterMs: 2_500 }, 0);
    expect(await store.acquire(addRole, 500)).toEqual({ waitMs: 2_000, reason: 'bucket' });
    expect(await store.acquire(addRole, 2_500)).toBeNull();
  });

  each('blocks every bucket of the token after a global 429', async (store) => {
    await store.acquire(addRole, 0);
    await store.update(addRole, { kind: '429', bucketHash: undefined, global: true, scope: 'global', retryAfterMs: 1_200 }, 0);
    expect(await store.acquire(otherGuild, 200)).toEqual({ waitMs: 1_000, reason: 'global' });
    expect(await store.acquire(me, 1_200)).toBeNull();
  });

  it('forgets the reservations of an instance that died mid-request', async () => {
    const redis = await space.connect('rl-crash');
    const keys = new RedisTestSpace(space.prefix, 'crash').keys;
    const store = new RedisRateLimitStateStore(redis, keys, { reservationTtlMs: 1_000, idleTtlMs: 60_000 });
    await store.acquire(addRole, 0);
    await store.update(addRole, headers(2, 10_000, 3), 0);
    expect(await store.acquire(addRole, 10)).toBeNull(); // this caller "dies": no update ever comes
    expect(await store.acquire(addRole, 20)).toBeNull();
    await store.update(addRole, headers(0, 20_000, 3), 30);
    // Window over: the dead reservation still counts until it expires, then no longer.
    expect(await store.acquire(addRole, 20_500)).toBeNull();
    await store.update(addRole, { kind: 'released' }, 20_600);
    const afterExpiry = await Promise.all([1, 2, 3].map(() => store.acquire(addRole, 21_000)));
    expect(afterExpiry.filter((g) => g === null).length).toBeGreaterThanOrEqual(2);
  });

  it('two instances (two connections, two clients) sharing the bot token overlap on a bucket without a 429', async () => {
    const emu = await startEmulator({ port: 0, rateLimits: 'discord', extraUsers: 40, routeLimits: { 'PUT /guilds/:id/members/:id/roles/:id': { limit: 10, windowMs: 300 } } });
    try {
      const keys = new RedisTestSpace(space.prefix, 'emulator').keys;
      const clients = await Promise.all(
        ['a', 'b'].map(
          async (name) =>
            new DiscordRestClient({ botToken: emu.botToken, apiBaseUrl: emu.apiUrl, rateLimitStore: new RedisRateLimitStateStore(await space.connect(`rl-${name}`), keys) }),
        ),
      );
      const userIds = emu.state
        .users()
        .filter((u) => u.username.startsWith('user'))
        .map((u) => u.id);
      const role = emu.state.createRole(emu.guildId, { name: 'players' });
      await Promise.all(userIds.map((userId, i) => clients[i % 2]!.addMemberRole(emu.guildId, userId, role.id)));
      for (const userId of userIds) expect(emu.state.member(emu.guildId, userId).roles).toContain(role.id);
      const state = (await (await fetch(`${emu.controlUrl}/state`)).json()) as { rateLimitHits: unknown[] };
      expect(state.rateLimitHits).toEqual([]);
      for (const client of clients) client.close();
    } finally {
      await emu.close();
    }
  }, 30_000);
});
