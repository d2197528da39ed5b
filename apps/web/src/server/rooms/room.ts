import { ROOM_PLAYER_LIMIT, type RoomInfo } from '@repo/protocol';

/** A user as a room remembers them (from their session when they joined). */
export interface Profile {
  username: string;
  globalName: string | null;
  avatar: string | null;
}

/** A room as stored. Discord holds the voice channel and the role; this is everything else. */
export interface Room {
  id: string;
  name: string;
  guildId: string;
  channelId: string;
  roleId: string;
  creatorId: string;
  /** Voice role holders, the creator first, in the order they joined. */
  players: string[];
  spectators: string[];
  profiles: Record<string, Profile>;
  createdAt: number;
  /** Last time anyone was in the voice channel or viewing the room (cleanup, R-ROOM7). */
  lastActiveAt: number;
  /** Set while an inactivity warning runs: when the room will close. */
  closingAt: number | null;
  /** The host locked the room: no invite link seats anyone new (issue 19). */
  locked: boolean;
  /**
   * Which invite links are valid: a link carries the generation it was made in, and only the
   * current one's seat anyone. The host's "Make new links" counts it up (0 for a new room).
   */
  linkGeneration: number;
  /** Users the host removed since the links were last made new: their links refuse them. */
  barred: string[];
}

/**
 * A room that must not be changed: what the store hands out on hot read paths without copying
 * (RoomStore.findByChannel). `Room` is assignable to it; the reverse needs a copy.
 */
export type RoomView = Readonly<Omit<Room, 'players' | 'spectators' | 'profiles' | 'barred'>> & {
  readonly players: readonly string[];
  readonly barred: readonly string[];
  readonly spectators: readonly string[];
  readonly profiles: Readonly<Record<string, Readonly<Profile>>>;
};

export function roomInfo(room: RoomView): RoomInfo {
  return {
    id: room.id,
    name: room.name,
    creatorId: room.creatorId,
    guildId: room.guildId,
    channelId: room.channelId,
    createdAt: room.createdAt,
    playerLimit: ROOM_PLAYER_LIMIT,
    closingAt: room.closingAt,
    locked: room.locked,
  };
}

export type Membership = 'creator' | 'player' | 'spectator' | null;

export function membershipOf(room: RoomView, userId: string): Membership {
  if (room.creatorId === userId) return 'creator';
  if (room.players.includes(userId)) return 'player';
  if (room.spectators.includes(userId)) return 'spectator';
  return null;
}
