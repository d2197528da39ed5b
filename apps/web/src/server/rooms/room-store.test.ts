import { MemoryRoomStore } from './room-store.ts';
import { roomStoreContract } from './room-store.contract.ts';

roomStoreContract({
  name: 'MemoryRoomStore',
  shared: false,
  async open(now) {
    return { store: async () => new MemoryRoomStore(now), close: async () => undefined };
  },
});
