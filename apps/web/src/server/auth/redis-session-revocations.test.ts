import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { RedisTestSpace, redisAvailable } from '../../../test/cluster/redis.ts';
import { systemClock } from '@repo/platform';
import { RedisSessionRevocations } from './redis-session-revocations.ts';
import { sessionRevocationsContract } from './session-revocations.contract.ts';

const available = await redisAvailable();

describe.runIf(available)('RedisSessionRevocations (real Redis)', () => {
  sessionRevocationsContract({
    name: 'RedisSessionRevocations',
    shared: true,
    async open() {
      const space = new RedisTestSpace();
      return {
        // Every handle has its own connection, like a separate instance.
        handle: async () => new RedisSessionRevocations(await space.connect('revocations'), space.keys, systemClock),
        now: () => systemClock.now(),
        // Redis expires keys on its own clock: the only place these tests wait for real time.
        pass: (ms) => sleep(ms),
        close: () => space.cleanup(),
      };
    },
  });

  it('stores the id under the deployment prefix with the sign-in’s remaining lifetime, never the cookie', async () => {
    const space = new RedisTestSpace();
    try {
      const redis = await space.connect('revocations');
      await new RedisSessionRevocations(redis, space.keys, systemClock).revoke('FFFFFFFFFFFFFFFFFFFFFF', systemClock.now() + 30 * 24 * 3600 * 1000);
      const keys = await redis.keys(`${space.prefix}*`);
      expect(keys).toEqual([space.keys.revokedSession('FFFFFFFFFFFFFFFFFFFFFF')]);
      const ttl = await redis.pttl(keys[0]!);
      expect(ttl).toBeGreaterThan(30 * 24 * 3600 * 1000 - 5_000);
      expect(ttl).toBeLessThanOrEqual(30 * 24 * 3600 * 1000);
    } finally {
      await space.cleanup();
    }
  });
});
