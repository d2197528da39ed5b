import type { Redis } from 'ioredis';
import type { RedisKeys } from '../redis/redis-keys.ts';
import type { SiteUsers } from './site-users.ts';

/**
 * Who has signed in, in Redis, so every instance (and a restarted one) agrees: one set of user ids
 * (`site-users`), one SMISMEMBER per question. It grows by one id per person who ever signs in,
 * bounded by the server's members; ids only.
 */
export class RedisSiteUsers implements SiteUsers {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async remember(userId: string): Promise<void> {
    await this.redis.sadd(this.keys.siteUsers(), userId);
  }

  async signedIn(userIds: readonly string[]): Promise<ReadonlySet<string>> {
    if (userIds.length === 0) return new Set();
    const flags = await this.redis.smismember(this.keys.siteUsers(), ...userIds);
    return new Set(userIds.filter((_, i) => flags[i] === 1));
  }
}
