import { randomUUID } from 'node:crypto';
import type { BucketRef, RateLimitObservation, RateLimitStateStore, RateLimitWait } from '@repo/discord-rest';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys.ts';

export const RedisRateLimitDefaults = {
  /**
   * A reservation (a request sent, not answered) is forgotten after this long: the instance that
   * made it died, or never reported back. Discord answers or times out long before.
   */
  reservationTtlMs: 60_000,
  /** Bucket state idle this long is dropped (the next response teaches it again). */
  idleTtlMs: 10 * 60_000,
} as const;

// The same algorithm as the package's InMemoryRateLimitStateStore, as scripts, so every instance
// spends the bot token's one budget (R-RL2). "Unknown" (Infinity there) is 1e18 here. Requests in
// flight are a sorted set of reservations with an expiry, so a crashed instance cannot hold a
// bucket's budget forever.
const PRELUDE = `
local INF = 1e18
local function num(v, default) if v then return tonumber(v) end return default end
local function load(bucket_key, inflight_key, now)
  redis.call('ZREMRANGEBYSCORE', inflight_key, '-inf', now)
  local h = redis.call('HMGET', bucket_key, 'limit', 'remaining', 'resetAt', 'blockedUntil')
  return { limit = num(h[1], INF), remaining = num(h[2], INF), resetAt = num(h[3], INF), blockedUntil = num(h[4], 0) }
end
local function save(bucket_key, inflight_key, s, idle)
  redis.call('HSET', bucket_key, 'limit', s.limit, 'remaining', s.remaining, 'resetAt', s.resetAt, 'blockedUntil', s.blockedUntil)
  redis.call('PEXPIRE', bucket_key, idle)
  if redis.call('EXISTS', inflight_key) == 1 then redis.call('PEXPIRE', inflight_key, idle) end
end
`;

const ACQUIRE_LUA = `${PRELUDE}
-- KEYS: 1 bucket, 2 in flight, 3 global; ARGV: 1 now, 2 reservation id, 3 reservation ttl, 4 idle ttl
local now = tonumber(ARGV[1])
local global_until = num(redis.call('GET', KEYS[3]), 0)
if global_until > now then return {global_until - now, 'global'} end
local s = load(KEYS[1], KEYS[2], now)
if s.blockedUntil > now then return {s.blockedUntil - now, 'bucket'} end
local inflight = redis.call('ZCARD', KEYS[2])
if s.resetAt <= now then
  s.remaining = s.limit - inflight
  s.resetAt = INF
end
if s.remaining <= 0 and s.resetAt < INF then
  save(KEYS[1], KEYS[2], s, ARGV[4])
  return {s.resetAt - now, 'bucket'}
end
s.remaining = s.remaining - 1
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[2])
save(KEYS[1], KEYS[2], s, ARGV[4])
return false
`;

const UPDATE_LUA = `${PRELUDE}
-- KEYS: 1 bucket, 2 in flight, 3 global
-- ARGV: 1 now, 2 kind, 3 idle ttl, 4 limit | retry after, 5 remaining | global, 6 reset after
local now = tonumber(ARGV[1])
local s = load(KEYS[1], KEYS[2], now)
redis.call('ZPOPMIN', KEYS[2])
local kind = ARGV[2]
if kind == '429' then
  local until_ms = now + tonumber(ARGV[4])
  if ARGV[5] == '1' then
    local current = num(redis.call('GET', KEYS[3]), 0)
    if until_ms > current then redis.call('SET', KEYS[3], until_ms, 'PX', tonumber(ARGV[4]) + 1000) end
  elseif until_ms > s.blockedUntil then
    s.blockedUntil = until_ms
  end
elseif kind == 'headers' then
  local inflight = redis.call('ZCARD', KEYS[2])
  local reset_at = now + tonumber(ARGV[6])
  local known = s.resetAt < INF
  if known and reset_at < s.resetAt - 250 then
    save(KEYS[1], KEYS[2], s, ARGV[3])
    return 0
  end
  local same = known and math.abs(reset_at - s.resetAt) <= 250
  local announced = tonumber(ARGV[5]) - inflight
  s.limit = tonumber(ARGV[4])
  if same then
    s.remaining = math.min(s.remaining, announced)
    s.resetAt = math.max(s.resetAt, reset_at)
  else
    s.remaining = announced
    s.resetAt = reset_at
  end
end
save(KEYS[1], KEYS[2], s, ARGV[3])
return 1
`;

/**
 * The bot token's REST budget shared by every instance through Redis (R-RL2): the package's
 * RateLimitStateStore contract, the in-memory store's algorithm, each call one atomic script.
 * Times are the callers' clocks; instances are expected to agree on the time to well under a
 * second (NTP), which is what Discord's windows of a second or more need.
 */
export class RedisRateLimitStateStore implements RateLimitStateStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly tuning: { reservationTtlMs: number; idleTtlMs: number } = RedisRateLimitDefaults,
  ) {}

  async acquire(bucket: BucketRef, nowMs: number): Promise<RateLimitWait | null> {
    const id = bucketId(bucket);
    const reply = (await this.redis.eval(
      ACQUIRE_LUA,
      3,
      this.keys.rateLimitBucket(id),
      this.keys.rateLimitInFlight(id),
      this.keys.rateLimitGlobal,
      String(Math.floor(nowMs)),
      randomUUID(),
      String(this.tuning.reservationTtlMs),
      String(this.tuning.idleTtlMs),
    )) as [number, 'global' | 'bucket'] | null;
    return reply ? { waitMs: Number(reply[0]), reason: reply[1] } : null;
  }

  async update(bucket: BucketRef, observation: RateLimitObservation, nowMs: number): Promise<void> {
    const id = bucketId(bucket);
    const args: string[] =
      observation.kind === 'headers'
        ? ['headers', String(observation.limit), String(observation.remaining), String(Math.round(observation.resetAfterMs))]
        : observation.kind === '429'
          ? ['429', String(Math.round(observation.retryAfterMs)), observation.global ? '1' : '0', '0']
          : ['released', '0', '0', '0'];
    const [kind, ...rest] = args as [string, string, string, string];
    await this.redis.eval(
      UPDATE_LUA,
      3,
      this.keys.rateLimitBucket(id),
      this.keys.rateLimitInFlight(id),
      this.keys.rateLimitGlobal,
      String(Math.floor(nowMs)),
      kind,
      String(this.tuning.idleTtlMs),
      ...rest,
    );
  }
}

function bucketId(bucket: BucketRef): string {
  return `${bucket.method} ${bucket.route} ${bucket.majorParameter}`;
}
