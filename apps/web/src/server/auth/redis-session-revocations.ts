import type { Redis } from 'ioredis';
import type { Clock } from '@repo/platform';
import type { RedisKeys } from '../redis/redis-keys.ts';
import type { SessionRevocations } from './session-revocations.ts';

/**
 * Revoked sign-ins in Redis, so a logout on one instance is refused by all: one key per session id
 * (`revoked:<sid>`, never the cookie), expiring with the sign-in itself.
 */
export class RedisSessionRevocations implements SessionRevocations {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly clock: Clock,
  ) {}

  async revoke(sid: string, until: number): Promise<void> {
    const ttlMs = until - this.clock.now();
    if (ttlMs <= 0) return; // already over: its cookie no longer opens
    await this.redis.set(this.keys.revokedSession(sid), '1', 'PX', ttlMs);
  }

  async isRevoked(sid: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.revokedSession(sid))) === 1;
  }
}
