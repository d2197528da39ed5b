import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '@repo/platform';
import type { LeaderGuard } from './leader.ts';
import type { RedisKeys } from '../redis/redis-keys.ts';

export const RedisLeaderDefaults = {
  /**
   * After a run the lock is kept until this fraction of its TTL has passed since the run began,
   * then lapses: the TTL is the job's period, so the instances' own timers (each on its own phase)
   * give one run per period across the cluster rather than one per instance, and the next period's
   * first timer, on any instance, finds it free.
   */
  holdFraction: 0.8,
} as const;

const EXTEND_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * One runner at a time across instances (R-ROOM7: the cleanup job; the start-up reconcile): a Redis
 * lock with expiry (SET NX PX), any instance can win it. While the job runs the lock is extended,
 * so a slow pass is not joined by a second runner; if the winner dies the lock lapses on its own.
 */
export class RedisLeaderGuard implements LeaderGuard {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly holdFraction: number = RedisLeaderDefaults.holdFraction,
  ) {}

  async runExclusive(name: string, ttlMs: number, job: () => Promise<void>): Promise<boolean> {
    const key = this.keys.lock(name);
    const owner = randomUUID();
    const won = await this.redis.set(key, owner, 'PX', ttlMs, 'NX');
    if (won !== 'OK') return false;
    const startedAt = this.clock.now();
    const keepAlive = this.clock.setInterval(() => {
      void this.redis.eval(EXTEND_LUA, 1, key, owner, String(ttlMs)).then(
        (extended) => {
          if (extended !== 1) this.log.warn({ lock: name }, 'lost a job lock while the job was still running');
        },
        (error: unknown) => this.log.warn({ err: error, lock: name }, 'could not extend a job lock'),
      );
    }, Math.max(50, Math.floor(ttlMs / 3)));
    try {
      await job();
      return true;
    } finally {
      keepAlive();
      const holdMs = Math.floor(ttlMs * this.holdFraction) - (this.clock.now() - startedAt);
      try {
        if (holdMs > 0) await this.redis.eval(EXTEND_LUA, 1, key, owner, String(holdMs));
        else await this.redis.eval(RELEASE_LUA, 1, key, owner);
      } catch (error) {
        this.log.warn({ err: error, lock: name }, 'could not hand back a job lock; it lapses on its own');
      }
    }
  }
}
