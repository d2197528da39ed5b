import type { RoomListing, UserServer } from '@repo/protocol';

/**
 * The lobby's servers (issue 17), as pure functions the lobby and the create form render: which
 * server the form picks first, why a server cannot take a room, how its capacity reads, and the
 * user's rooms grouped under their server's name.
 */

/** "12 of 240 rooms free"; null when the count is not known (Discord did not answer, or rooms are off). */
export function capacityText(server: Pick<UserServer, 'capacity'>): string | null {
  const c = server.capacity;
  if (!c) return null;
  const total = c.roomsAvailable + c.roomsInUse;
  return `${c.roomsAvailable} of ${total} ${total === 1 ? 'room' : 'rooms'} free`;
}

/** Why a room cannot be made in this server right now; null when it can. */
export function unavailableReason(server: UserServer): string | null {
  if (server.canCreateRooms) return null;
  if (!server.roomsEnabled) return 'Rooms are turned off on this server.';
  if (!server.capacity) return 'Discord is not answering for this server right now.';
  if (server.capacity.roomsAvailable <= 0) return 'This server is full: no more rooms fit right now.';
  return 'Rooms cannot be made here right now.';
}

/** The form's first choice: the home server when it can take a room, else the first server that can. */
export function defaultServerId(servers: readonly UserServer[]): string | null {
  const usable = servers.filter((s) => s.canCreateRooms);
  return (usable.find((s) => s.home) ?? usable[0])?.id ?? null;
}

export interface RoomGroup {
  guildId: string;
  name: string;
  rooms: RoomListing[];
}

const UNNAMED = 'Another server';

/**
 * The user's rooms by server: the servers in the order the form lists them (home first), then any
 * other server by name. Rooms keep their order (newest first) within a server.
 */
export function groupRoomsByServer(rooms: readonly RoomListing[], servers: readonly Pick<UserServer, 'id' | 'name'>[], names: Readonly<Record<string, string>>): RoomGroup[] {
  const groups = new Map<string, RoomGroup>();
  for (const room of rooms) {
    let group = groups.get(room.guildId);
    if (!group) {
      const name = servers.find((s) => s.id === room.guildId)?.name || names[room.guildId] || UNNAMED;
      group = { guildId: room.guildId, name, rooms: [] };
      groups.set(room.guildId, group);
    }
    group.rooms.push(room);
  }
  const rank = (guildId: string) => {
    const i = servers.findIndex((s) => s.id === guildId);
    return i === -1 ? servers.length : i;
  };
  return [...groups.values()].sort((a, b) => rank(a.guildId) - rank(b.guildId) || a.name.localeCompare(b.name) || a.guildId.localeCompare(b.guildId));
}
