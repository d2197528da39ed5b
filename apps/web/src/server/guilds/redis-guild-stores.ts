import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RedisKeys } from '../redis/redis-keys.ts';
import { type GuildRegistry, type KnownGuild, byId } from './guild-registry.ts';
import { type GuildSettings, GuildSettingsSchema, type GuildSettingsStore } from './guild-settings.ts';

const KnownGuildSchema = z.object({ id: z.string(), name: z.string(), available: z.boolean() });

/**
 * The guild registry in one Redis hash (guild id → JSON): written by whichever instance holds the
 * guild's shard, read by all. One writer per guild (the fenced shard holder), so a read-modify-write
 * of one field races nobody. A malformed entry reads as unknown (and is logged by nobody: it is
 * overwritten by the guild's next GUILD_CREATE).
 */
export class RedisGuildRegistry implements GuildRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async available(guild: { id: string; name: string }): Promise<void> {
    await this.#put({ id: guild.id, name: guild.name, available: true });
  }

  async unavailable(guildId: string): Promise<void> {
    const known = await this.get(guildId);
    await this.#put({ id: guildId, name: known?.name ?? '', available: false });
  }

  async removed(guildId: string): Promise<void> {
    await this.redis.hdel(this.keys.guildRegistry, guildId);
  }

  async get(guildId: string): Promise<KnownGuild | null> {
    return parse(KnownGuildSchema, await this.redis.hget(this.keys.guildRegistry, guildId));
  }

  async list(): Promise<KnownGuild[]> {
    const all = await this.redis.hvals(this.keys.guildRegistry);
    return all.map((raw) => parse(KnownGuildSchema, raw)).filter((g): g is KnownGuild => g !== null).sort(byId);
  }

  async #put(guild: KnownGuild): Promise<void> {
    await this.redis.hset(this.keys.guildRegistry, guild.id, JSON.stringify(guild));
  }
}

/** Each server's settings in one Redis hash (guild id → JSON), shared by every instance. */
export class RedisGuildSettingsStore implements GuildSettingsStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async get(guildId: string): Promise<GuildSettings | null> {
    return parse(GuildSettingsSchema, await this.redis.hget(this.keys.guildSettings, guildId));
  }

  async put(guildId: string, settings: GuildSettings): Promise<void> {
    await this.redis.hset(this.keys.guildSettings, guildId, JSON.stringify(GuildSettingsSchema.parse(settings)));
  }
}

function parse<T>(schema: z.ZodType<T>, raw: string | null): T | null {
  if (raw === null) return null;
  try {
    const result = schema.safeParse(JSON.parse(raw));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}
