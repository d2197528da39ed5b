import { IDENTIFY_WINDOW_MS, IdentifyBuckets, type IdentifyThrottle } from '@repo/discord-gateway';
import type { Clock } from '@repo/platform';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys.ts';

/**
 * Discord's identify concurrency across instances: shards with the same rate-limit key
 * (`shard_id % max_concurrency`) identify one at a time, 5 s apart, whichever instance holds them
 * (https://discord.com/developers/docs/events/gateway#session-start-limit). Each bucket is a Redis
 * key taken with `SET NX PX 5000`; a shard whose bucket is taken sleeps (injected clock) until it
 * lapses, then tries again.
 */
export class RedisIdentifyThrottle implements IdentifyThrottle {
  constructor(
    private readonly o: { redis: Redis; keys: RedisKeys; clock: Clock; instanceId: string; maxConcurrency: number; windowMs?: number },
  ) {}

  async waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    const key = this.o.keys.gatewayIdentify(IdentifyBuckets.bucketOf(shardId, this.o.maxConcurrency));
    const windowMs = this.o.windowMs ?? IDENTIFY_WINDOW_MS;
    for (;;) {
      signal.throwIfAborted();
      if ((await this.o.redis.set(key, `${this.o.instanceId}|${shardId}`, 'PX', windowMs, 'NX')) === 'OK') return;
      const left = await this.o.redis.pttl(key);
      await this.o.clock.sleep(Math.max(20, Math.min(left > 0 ? left : 20, windowMs)), signal);
    }
  }
}
