import { describe, expect, it } from 'vitest';
import { RedisTestSpace, redisAvailable } from '../../../test/cluster/redis.ts';
import { type GuildRegistry, MemoryGuildRegistry } from './guild-registry.ts';
import { type GuildSettings, type GuildSettingsStore, GuildSettingsUpdateSchema, MemoryGuildSettingsStore, applyUpdate, defaultGuildSettings } from './guild-settings.ts';
import { RedisGuildRegistry, RedisGuildSettingsStore } from './redis-guild-stores.ts';

const available = await redisAvailable();
const G1 = '100000000000000001';
const G2 = '100000000000000002';
const G3 = '99999999999999999';

const settings: GuildSettings = { roomsEnabled: false, categoryId: '300000000000000001', addInvitees: true, reserve: { channels: 7, roles: 9 } };

function registryContract(name: string, make: () => Promise<{ one: GuildRegistry; two: GuildRegistry; done(): Promise<void> }>) {
  it(`${name}: a guild is known from GUILD_CREATE, marked unavailable by an outage, forgotten when the bot is removed`, async () => {
    const { one, two, done } = await make();
    try {
      expect(await two.list()).toEqual([]);
      await one.available({ id: G2, name: 'Second' });
      await one.available({ id: G1, name: 'First' });
      await one.available({ id: G3, name: 'Shorter id' });
      // Oldest first: by number, not by string (a shorter snowflake is older).
      expect((await two.list()).map((g) => g.id)).toEqual([G3, G1, G2]);
      await one.unavailable(G2);
      expect(await two.get(G2)).toEqual({ id: G2, name: 'Second', available: false });
      await one.available({ id: G2, name: 'Second (renamed)' });
      expect(await two.get(G2)).toEqual({ id: G2, name: 'Second (renamed)', available: true });
      await one.removed(G2);
      expect(await two.get(G2)).toBeNull();
      expect((await two.list()).map((g) => g.id)).toEqual([G3, G1]);
      // An outage of a guild never seen: known, unnamed, unavailable.
      await one.unavailable(G2);
      expect(await two.get(G2)).toEqual({ id: G2, name: '', available: false });
      // A look-alike id is another guild.
      expect(await two.get('10000000000000000')).toBeNull();
    } finally {
      await done();
    }
  });
}

function settingsContract(name: string, make: () => Promise<{ one: GuildSettingsStore; two: GuildSettingsStore; done(): Promise<void> }>) {
  it(`${name}: settings are per guild, whole, and a copy`, async () => {
    const { one, two, done } = await make();
    try {
      expect(await two.get(G1)).toBeNull();
      await one.put(G1, settings);
      expect(await two.get(G1)).toEqual(settings);
      expect(await two.get(G2)).toBeNull();
      const read = await two.get(G1);
      if (read) read.reserve.roles = 0;
      expect((await two.get(G1))?.reserve.roles).toBe(9);
      await expect(one.put(G2, { ...settings, reserve: { channels: -1, roles: 0 } })).rejects.toThrow();
      expect(await two.get(G2)).toBeNull();
    } finally {
      await done();
    }
  });
}

describe('guild registry and settings in memory', () => {
  registryContract('memory', async () => {
    const shared = new MemoryGuildRegistry();
    return { one: shared, two: shared, done: async () => undefined };
  });
  settingsContract('memory', async () => {
    const shared = new MemoryGuildSettingsStore();
    return { one: shared, two: shared, done: async () => undefined };
  });
});

describe.runIf(available)('guild registry and settings in Redis (two instances)', () => {
  registryContract('redis', async () => {
    const space = new RedisTestSpace();
    return { one: new RedisGuildRegistry(await space.connect('guilds'), space.keys), two: new RedisGuildRegistry(await space.connect('guilds'), space.keys), done: () => space.cleanup() };
  });
  settingsContract('redis', async () => {
    const space = new RedisTestSpace();
    return { one: new RedisGuildSettingsStore(await space.connect('guild-settings'), space.keys), two: new RedisGuildSettingsStore(await space.connect('guild-settings'), space.keys), done: () => space.cleanup() };
  });

  it('a malformed entry reads as unknown', async () => {
    const space = new RedisTestSpace();
    try {
      const redis = await space.connect('guilds');
      await redis.hset(space.keys.guildRegistry, G1, '{"id":1}');
      await redis.hset(space.keys.guildSettings, G1, 'not json');
      expect(await new RedisGuildRegistry(redis, space.keys).get(G1)).toBeNull();
      expect(await new RedisGuildRegistry(redis, space.keys).list()).toEqual([]);
      expect(await new RedisGuildSettingsStore(redis, space.keys).get(G1)).toBeNull();
    } finally {
      await space.cleanup();
    }
  });
});

describe('settings updates', () => {
  const base = defaultGuildSettings({ home: false, reserveChannels: 5, reserveRoles: 5, homeCategoryId: '300000000000000009' });

  it('another server: rooms on, its own category, invitees must be members, the configured reserve', () => {
    expect(base).toEqual({ roomsEnabled: true, categoryId: null, addInvitees: false, reserve: { channels: 5, roles: 5 } });
    expect(defaultGuildSettings({ home: true, reserveChannels: 5, reserveRoles: 5, homeCategoryId: '300000000000000009' })).toMatchObject({ categoryId: '300000000000000009', addInvitees: true });
  });

  it('a partial update changes only what it names; null clears the category', () => {
    const withCategory = applyUpdate(base, GuildSettingsUpdateSchema.parse({ categoryId: '300000000000000001' }));
    expect(applyUpdate(withCategory, GuildSettingsUpdateSchema.parse({ reserve: { roles: 0 } }))).toEqual({ ...withCategory, reserve: { channels: 5, roles: 0 } });
    expect(applyUpdate(withCategory, GuildSettingsUpdateSchema.parse({ categoryId: null })).categoryId).toBeNull();
  });

  it('refuses unknown fields, wrong types, ids that are no snowflakes, and reserves past Discord’s limits', () => {
    for (const bad of [{ rooms: true }, { roomsEnabled: 'yes' }, { categoryId: '1234' }, { categoryId: '300000000000000001x' }, { reserve: { roles: 251 } }, { reserve: { channels: -1 } }, { reserve: { roles: 1.5 } }, { reserve: { extra: 1 } }]) {
      expect(GuildSettingsUpdateSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(GuildSettingsUpdateSchema.safeParse({ reserve: { roles: 250, channels: 500 } }).success).toBe(true);
  });
});
