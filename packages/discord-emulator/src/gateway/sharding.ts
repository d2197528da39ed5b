/** A session's `[shard_id, num_shards]`; sessions that identify without one get `[0, 1]`. */
export type ShardTuple = [shardId: number, shardCount: number];

/**
 * Discord routes a guild to shard `(guild_id >> 22) % num_shards`. Ids that are not snowflakes
 * (hand-written test fixtures) land on shard 0 rather than throwing.
 */
export function shardOfGuild(guildId: string, shardCount: number): number {
  if (!/^\d+$/.test(guildId)) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** Events without a guild (DMs, user updates) only ever go to shard 0. */
export function shardReceives(shard: ShardTuple, guildId: string | null): boolean {
  const [id, count] = shard;
  return guildId === null ? id === 0 : shardOfGuild(guildId, count) === id;
}

/** Discord's ceiling: one shard may carry at most 2,500 guilds before 4011 "sharding required". */
export const MAX_GUILDS_PER_SHARD = 2500;

/** GET /gateway/bot recommends about one shard per 1,000 guilds (Discord's sharding guidance). */
export const RECOMMENDED_GUILDS_PER_SHARD = 1000;

export function isValidShard(shard: readonly number[]): shard is ShardTuple {
  const [id, count] = shard;
  return (
    shard.length === 2 &&
    id !== undefined &&
    count !== undefined &&
    Number.isSafeInteger(id) &&
    Number.isSafeInteger(count) &&
    count >= 1 &&
    id >= 0 &&
    id < count
  );
}
