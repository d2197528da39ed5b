import { describe, expect, it } from 'vitest';
import { RedisTestSpace, redisAvailable } from '../../../test/cluster/redis.ts';
import { RedisSiteUsers } from './redis-site-users.ts';

const available = await redisAvailable();

describe.runIf(available)('RedisSiteUsers (real Redis)', () => {
  it('tells every instance who signed in on any of them, by exact id, under the deployment prefix', async () => {
    const space = new RedisTestSpace();
    try {
      // Two connections: two instances.
      const one = new RedisSiteUsers(await space.connect('site-users'), space.keys);
      const two = new RedisSiteUsers(await space.connect('site-users'), space.keys);
      expect(await two.signedIn([])).toEqual(new Set());
      expect(await two.signedIn(['100000000000000001'])).toEqual(new Set());

      await one.remember('100000000000000001');
      await one.remember('100000000000000001'); // twice is once
      // A look-alike id (a prefix, one digit more) is someone else.
      expect(await two.signedIn(['100000000000000001', '10000000000000000', '1000000000000000011'])).toEqual(new Set(['100000000000000001']));

      const redis = await space.connect('site-users');
      expect(await redis.keys(`${space.prefix}*`)).toEqual([space.keys.siteUsers()]);
      expect(await redis.smembers(space.keys.siteUsers())).toEqual(['100000000000000001']);
    } finally {
      await space.cleanup();
    }
  });
});
