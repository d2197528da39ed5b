import { describe } from 'vitest';
import { RedisTestSpace, redisAvailable } from '../../../test/cluster/redis.ts';
import { RedisRoomStore } from './redis-room-store.ts';
import { type RoomStoreContractSubject, roomStoreContract } from './room-store.contract.ts';
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
