import { describe, expect, it } from 'vitest';
import { RedisTestSpace, redisAvailable } from '../../../test/cluster/redis.ts';
import { RedisRoomStore } from './redis-room-store.ts';
import { type RoomStoreContractSubject, room, roomStoreContract } from './room-store.contract.ts';
import { roomStoreControlsContract } from './room-store-controls.contract.ts';

const available = await redisAvailable();

describe.runIf(available)('RedisRoomStore (real Redis)', () => {
  const subject: RoomStoreContractSubject = {
    name: 'RedisRoomStore',
    shared: true,
    async open(now) {
      const space = new RedisTestSpace();
      return {
        // Every handle has its own connection, like a separate instance.
        store: async () => new RedisRoomStore(await space.connect('rooms'), space.keys, now),
        close: () => space.cleanup(),
      };
    },
  };
  roomStoreContract(subject);
  roomStoreControlsContract(subject);
});

describe.runIf(available)('RedisRoomStore reading what Redis holds', () => {
  it('checks the stored bars (a JSON array of user ids): a room written before host controls has none, anything else is refused', async () => {
    const space = new RedisTestSpace();
    try {
      const redis = await space.connect('rooms-read');
      const store = new RedisRoomStore(redis, space.keys, () => 0);
      await store.insert(room({ id: 'bars1', barred: ['111'] }));
      expect((await store.get('bars1'))?.barred).toEqual(['111']);
      await redis.hdel(space.keys.room('bars1'), 'barred');
      expect((await store.get('bars1'))?.barred).toEqual([]);
      for (const stored of ['[111]', '{"0":"111"}', '"111"', '[null]']) {
        await redis.hset(space.keys.room('bars1'), 'barred', stored);
        await expect(store.get('bars1'), stored).rejects.toThrow(/barred/);
      }
    } finally {
      await space.cleanup();
    }
  });
});
