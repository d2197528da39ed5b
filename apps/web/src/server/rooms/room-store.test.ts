import { MemoryRoomStore } from './room-store.ts';
import { type RoomStoreContractSubject, roomStoreContract } from './room-store.contract.ts';
import { roomStoreControlsContract } from './room-store-controls.contract.ts';

const subject: RoomStoreContractSubject = {
  name: 'MemoryRoomStore',
  shared: false,
  async open(now) {
    return { store: async () => new MemoryRoomStore(now), close: async () => undefined };
  },
};
roomStoreContract(subject);
roomStoreControlsContract(subject);
