import type { RoomListing, UserServer } from '@repo/protocol';
import { describe, expect, it } from 'vitest';
import { capacityText, defaultServerId, groupRoomsByServer, unavailableReason } from './servers.ts';

const server = (id: string, extra: Partial<UserServer> = {}): UserServer => ({
  id,
  name: `Server ${id}`,
  home: false,
  canCreateRooms: true,
  roomsEnabled: true,
  canManage: false,
  capacity: { roomsAvailable: 10, roomsInUse: 2 },
  ...extra,
});
const room = (id: string, guildId: string): RoomListing => ({ id, name: id, creatorId: 'alice', guildId, players: 1, playerLimit: 4, inVoice: 0, role: 'creator' });

describe('capacityText', () => {
  it('counts free rooms against every room the server can hold', () => {
    expect(capacityText(server('1', { capacity: { roomsAvailable: 238, roomsInUse: 2 } }))).toBe('238 of 240 rooms free');
    expect(capacityText(server('1', { capacity: { roomsAvailable: 0, roomsInUse: 240 } }))).toBe('0 of 240 rooms free');
  });
  it('says "room" for a server that holds exactly one', () => {
    expect(capacityText(server('1', { capacity: { roomsAvailable: 1, roomsInUse: 0 } }))).toBe('1 of 1 room free');
    expect(capacityText(server('1', { capacity: { roomsAvailable: 0, roomsInUse: 1 } }))).toBe('0 of 1 room free');
  });
  it('is null when the count is not known', () => {
    expect(capacityText(server('1', { capacity: null }))).toBeNull();
  });
});

describe('unavailableReason', () => {
  it('is null for a server that can take a room', () => {
    expect(unavailableReason(server('1'))).toBeNull();
  });
  it('names rooms off before anything else', () => {
    expect(unavailableReason(server('1', { canCreateRooms: false, roomsEnabled: false, capacity: null }))).toBe('Rooms are turned off on this server.');
  });
  it('tells a full server (exactly 0 free) from one Discord does not answer for', () => {
    expect(unavailableReason(server('1', { canCreateRooms: false, capacity: { roomsAvailable: 0, roomsInUse: 5 } }))).toBe('This server is full: no more rooms fit right now.');
    expect(unavailableReason(server('1', { canCreateRooms: false, capacity: null }))).toBe('Discord is not answering for this server right now.');
  });
});

describe('defaultServerId', () => {
  it('picks the home server when it can take a room, wherever it is listed', () => {
    expect(defaultServerId([server('2'), server('1', { home: true })])).toBe('1');
  });
  it('falls back to the first usable server when home cannot take one', () => {
    const full = { canCreateRooms: false, capacity: { roomsAvailable: 0, roomsInUse: 240 } };
    expect(defaultServerId([server('1', { home: true, ...full }), server('2', full), server('3')])).toBe('3');
  });
  it('is null when no server can take a room', () => {
    expect(defaultServerId([])).toBeNull();
    expect(defaultServerId([server('1', { canCreateRooms: false, roomsEnabled: false })])).toBeNull();
  });
});

describe('groupRoomsByServer', () => {
  it('groups under the servers in the form’s order, keeping each server’s rooms in order', () => {
    const servers = [server('1', { home: true, name: 'Home' }), server('2', { name: 'Second' })];
    const groups = groupRoomsByServer([room('a', '2'), room('b', '1'), room('c', '2')], servers, {});
    expect(groups.map((g) => [g.name, g.rooms.map((r) => r.id)])).toEqual([
      ['Home', ['b']],
      ['Second', ['a', 'c']],
    ]);
  });
  it('names a server the user cannot make rooms in from the registry, else a neutral name, after the listed ones', () => {
    const groups = groupRoomsByServer([room('a', '9'), room('b', '8'), room('c', '1')], [server('1', { name: 'Home' })], { '9': 'Zeta' });
    expect(groups.map((g) => g.name)).toEqual(['Home', 'Another server', 'Zeta']);
  });
  it('is empty without rooms', () => {
    expect(groupRoomsByServer([], [server('1')], {})).toEqual([]);
  });
});
