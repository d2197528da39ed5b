import type { Logger } from 'pino';
import type { Clock } from '@repo/platform';
import type { Room } from './room.ts';
import type { RoomDiscord } from './room-discord.ts';
import { type RoomInDiscord, readRoomsFromDiscord, snowflakeTime } from './room-in-discord.ts';
import type { RoomService } from './room-service.ts';

export const ReconcileDefaults = {
  /**
   * With several instances: longer than a room's creation can take in the worst case (three REST
   * calls, each up to 6 attempts of 15 s plus 31 s of backoff: about 6 minutes).
   */
  halfMadeGraceMs: 10 * 60_000,
} as const;

export interface ReconcileOptions {
  /** The rooms part: reconcile reads rooms and changes them only through RoomService's named methods. */
  rooms: Pick<RoomService, 'list' | 'closeFor' | 'closeUnstored' | 'adopt' | 'guildId'>;
  discord: RoomDiscord;
  /** The server read back, whose Discord side `discord` is (default: the home server, rooms.guildId); other servers' rooms are left alone. */
  guildId?: string;
  clock: Clock;
  log: Logger;
  /**
   * Discord objects younger than this that look half-made (a `room-<id>` role with no channel yet, a
   * channel whose host does not hold the role yet) are left alone: with several instances
   * (REDIS_URL) another one may be creating that very room right now. 0 with one instance, whose
   * rooms are all made after the read-back.
   */
  halfMadeGraceMs?: number;
}

export interface ReconcileResult {
  /** Rooms read back from Discord: the store did not have them (the in-memory store after a restart, a flushed Redis). */
  restored: string[];
  /** Read-back rooms whose host left the server (or lost the role) while the app was down: the first player in seat order hosts now. */
  newHosts: string[];
  /** Stored rooms whose channel (or role) is gone, and read-back rooms with nobody left holding the role. */
  closed: string[];
  removedRoles: string[];
  removedChannels: string[];
  /** Extra rooms categories found empty and deleted. */
  removedCategories: string[];
}

/**
 * Start-up reconciliation (R-ROOM8): the store and Discord must agree, and Discord has the last word.
 * The guild is read once (channels, roles, members); then:
 * - a stored room whose channel is gone (or whose channel lost its role) is closed, role and channel too;
 * - a room Discord holds that the store does not (every room, after a restart of the in-memory
 *   store or a flushed Redis) is rebuilt from its channel, role and overwrites with its own id,
 *   name, host and players (room-in-discord.ts); a host gone from the room is replaced by the
 *   first player in the read-back's seat order, a room nobody holds the role of any more is closed,
 *   and members holding the role past the player limit lose it;
 * - a `room-<id>` role without a channel, or one of our channels without its role, is deleted;
 * - an extra rooms category left empty is deleted.
 * What Discord does not hold starts afresh: no spectators (their links seat them again) and the
 * idle clock starts now, so nobody is cleaned up for the time the server was down.
 */
export async function reconcileRooms(options: ReconcileOptions): Promise<ReconcileResult> {
  const { rooms, discord, clock, log } = options;
  const graceMs = options.halfMadeGraceMs ?? 0;
  // The store before Discord: a room closed between the two reads is then one the store still had
  // (closing it again is harmless), never one Discord showed and the store lacked, which would be
  // restored as a ghost (the store's tombstone refuses that insert too, with several instances).
  const guildId = options.guildId ?? rooms.guildId;
  const stored = (await rooms.list()).filter((room) => room.guildId === guildId);
  const listing = await discord.listGuild();
  const read = readRoomsFromDiscord(listing);
  const now = clock.now();
  const young = (snowflake: string) => now - snowflakeTime(snowflake) < graceMs;
  const result: ReconcileResult = { restored: [], newHosts: [], closed: [], removedRoles: [], removedChannels: [], removedCategories: [] };
  // One room's trouble (a refused delete) must not keep every other room from coming back.
  const attempt = async (what: string, context: Record<string, unknown>, job: () => Promise<void>) => {
    try {
      await job();
    } catch (error) {
      log.error({ err: error, ...context }, `reconcile: could not ${what}; the next start tries again`);
    }
  };

  const inDiscord = new Map(read.rooms.map((r) => [r.channelId, r]));
  const storedChannels = new Set(stored.map((r) => r.channelId));
  const storedRoles = new Set(stored.map((r) => r.roleId));
  const gone = new Set<string>();
  for (const room of stored) {
    if (inDiscord.get(room.channelId)?.roleId === room.roleId) continue;
    await attempt('close a room whose channel or role is gone', { roomId: room.id }, async () => {
      await rooms.closeFor(room.id, 'channel_deleted');
      result.closed.push(room.id);
      gone.add(room.channelId);
    });
  }

  for (const found of read.rooms) {
    if (storedChannels.has(found.channelId)) continue;
    if (found.hostId === null) {
      if (young(found.channelId)) {
        log.info({ roomId: found.id, channelId: found.channelId }, 'reconcile: a new room nobody holds the role of yet (being made elsewhere?); left for now');
        continue;
      }
      await attempt('close a room with no player left', { roomId: found.id }, async () => {
        await rooms.closeUnstored(found, 'closed');
        result.closed.push(found.id);
        gone.add(found.channelId);
      });
      continue;
    }
    if (found.markChanges.length > 0) {
      await attempt('mark the room host in Discord (the bot needs the Priority Speaker permission)', { roomId: found.id, hostId: found.hostId }, () =>
        discord.applyHostMarks(found.channelId, found.markChanges),
      );
    }
    if (found.extraPlayers.length > 0) {
      log.warn({ roomId: found.id, kept: found.players, removed: found.extraPlayers }, 'reconcile: more members hold the room role than a room seats; the last seated lose it');
      for (const userId of found.extraPlayers) {
        await attempt('take the room role from a player past the limit', { roomId: found.id, userId }, () => discord.removeExtraPlayer(userId, found.roleId));
      }
    }
    const restored = await rooms.adopt(roomFrom(found, found.hostId, guildId, now), found.formerHosts);
    if (!restored) continue;
    result.restored.push(found.id);
    if (found.formerHosts.length > 0) result.newHosts.push(found.id);
  }

  const liveIds = new Set([...stored.map((r) => r.id), ...read.rooms.map((r) => r.id)]);
  for (const { roleId, roomId } of read.loneRoles) {
    // A stored room closed above took its role with it.
    if (storedRoles.has(roleId)) continue;
    if (young(roleId)) {
      log.info({ roleId, roomId }, 'reconcile: a new room role with no channel yet (being made elsewhere?); left for now');
      continue;
    }
    await attempt('delete a room role without its channel', { roleId, roomId }, async () => {
      // Its channel was deleted while the app was down: the room is closed, and its links say so.
      // A second role naming a live room's id is only a stray role.
      if (liveIds.has(roomId)) await discord.removeLoneRole(roleId);
      else {
        await rooms.closeUnstored({ id: roomId, roleId, channelId: undefined }, 'channel_deleted');
        result.closed.push(roomId);
      }
      result.removedRoles.push(roleId);
    });
  }
  for (const { channelId } of read.loneChannels) {
    if (storedChannels.has(channelId)) continue;
    await attempt('delete a room channel without its role', { channelId }, async () => {
      await discord.removeLoneChannel(channelId);
      result.removedChannels.push(channelId);
      gone.add(channelId);
    });
  }
  if (read.foreignChannels.length > 0) log.warn({ channelIds: read.foreignChannels }, 'voice channels in a rooms category that are not rooms; left alone');

  // Extra categories that hold nothing now; Discord's own listing decides before any is deleted.
  const occupied = new Set(listing.channels.filter((c) => !gone.has(c.id) && !result.removedChannels.includes(c.id)).map((c) => c.parent_id ?? null));
  for (const category of listing.channels.filter((c) => listing.isManagedCategory(c) && !occupied.has(c.id))) {
    await attempt('delete an empty extra rooms category', { categoryId: category.id }, async () => {
      if (await discord.removeIfEmptyExtra(category.id)) result.removedCategories.push(category.id);
    });
  }

  log.info({ ...result, guildId, storedBefore: stored.length, rooms: read.rooms.length }, 'rooms reconciled with Discord');
  return result;
}

function roomFrom(found: RoomInDiscord, hostId: string, guildId: string, now: number): Room {
  return {
    id: found.id,
    name: found.name,
    guildId,
    channelId: found.channelId,
    roleId: found.roleId,
    creatorId: hostId,
    players: found.players,
    spectators: [],
    profiles: found.profiles,
    createdAt: found.createdAt,
    lastActiveAt: now,
    closingAt: null,
    locked: found.locked,
    linkGeneration: found.linkGeneration,
    barred: found.barred,
  };
}
