import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Room } from './room.ts';
import type { RoomDiscord } from './room-discord.ts';
import { type RoomService, newRoomId } from './room-service.ts';

export interface ReconcileOptions {
  rooms: RoomService;
  discord: RoomDiscord;
  botUserId: string;
  clock: Clock;
  log: Logger;
}

export interface ReconcileResult {
  adopted: string[];
  dropped: string[];
  /** Extra rooms categories found empty and deleted. */
  removedCategories: string[];
}

/**
 * Start-up reconciliation (R-ROOM8): the store and Discord must agree. A stored room whose channel
 * is gone is closed (its role too); a voice channel under any managed category (the first, and every
 * "Spell Rooms N") that no stored room owns (a restart of the embedded store) is adopted, so it
 * still reaches cleanup; an extra category left empty (a crash between a room's undo and the
 * category's, or two instances that both made "Spell Rooms 2") is deleted. Nothing is left
 * orphaned in Discord.
 */
export async function reconcileRooms(options: ReconcileOptions): Promise<ReconcileResult> {
  const { rooms, discord, botUserId, clock, log } = options;
  const { channels, emptyExtraCategoryIds } = await discord.managedChannels();
  const channelIds = new Set(channels.map((c) => c.channelId));
  const stored = await rooms.store.list();
  const known = new Set(stored.map((r) => r.channelId));
  const result: ReconcileResult = { adopted: [], dropped: [], removedCategories: [] };

  for (const room of stored) {
    if (channelIds.has(room.channelId)) continue;
    await rooms.close(room.id, 'channel_deleted');
    result.dropped.push(room.id);
  }

  for (const channel of channels) {
    if (known.has(channel.channelId)) continue;
    if (!channel.roleId) {
      // Not one of ours after all (no room role opens it): leave it alone rather than guess.
      log.warn({ channelId: channel.channelId }, 'voice channel in a rooms category without a room role; not adopted');
      continue;
    }
    const now = clock.now();
    const room: Room = {
      id: newRoomId(),
      name: channel.name,
      guildId: options.rooms.guildId,
      channelId: channel.channelId,
      roleId: channel.roleId,
      // The creator is not recorded in Discord; the bot stands in, so only cleanup closes it.
      creatorId: botUserId,
      players: [],
      spectators: [],
      profiles: {},
      createdAt: now,
      lastActiveAt: now,
      closingAt: null,
    };
    await rooms.store.insert(room);
    result.adopted.push(room.id);
  }
  for (const categoryId of emptyExtraCategoryIds) {
    if (await discord.removeIfEmptyExtra(categoryId)) result.removedCategories.push(categoryId);
  }
  if (result.adopted.length > 0 || result.dropped.length > 0 || result.removedCategories.length > 0) log.info(result, 'rooms reconciled with Discord');
  return result;
}
