import type { DiscordRestClient } from '@repo/discord-rest';
import type { Clock } from '@repo/platform';
import type { Logger } from 'pino';
import { type ReconcileResult, reconcileRooms } from '../rooms/reconcile.ts';
import { MANAGED_CATEGORY_NAME, extraCategoryNumber } from '../rooms/room-placement.ts';
import type { RoomService } from '../rooms/room-service.ts';
import type { GuildPlaces } from './guild-places.ts';
import type { GuildSettings } from './guild-settings.ts';

const CATEGORY = 4;

/**
 * A server's rooms when the server comes and goes (issue 17), for GuildEvents' hooks: the bot
 * removed closes them (reason `bot_removed`, nothing asked of Discord: the bot can no longer touch
 * that server); a server seen (again) is read back like the home server at start (reconcile.ts).
 */
export interface GuildRoomsOptions {
  rooms: Pick<RoomService, 'list' | 'closeFor' | 'closeUnstored' | 'adopt' | 'guildId'>;
  places: Pick<GuildPlaces, 'get'>;
  rest: Pick<DiscordRestClient, 'getGuildChannels'>;
  settingsOf(guildId: string): Promise<GuildSettings>;
  clock: Clock;
  log: Logger;
  /** As the start-up read-back: with several instances, half-made rooms younger than this are left alone. */
  halfMadeGraceMs?: number;
}

export class GuildRooms {
  readonly #o: GuildRoomsOptions;

  constructor(options: GuildRoomsOptions) {
    this.#o = options;
  }

  /** The bot was removed from the server: every room there closes, its viewers told; other servers' rooms stay. */
  async closeAll(guildId: string): Promise<string[]> {
    const closed: string[] = [];
    for (const room of await this.#o.rooms.list()) {
      if (room.guildId !== guildId) continue;
      try {
        await this.#o.rooms.closeFor(room.id, 'bot_removed');
        closed.push(room.id);
      } catch (error) {
        this.#o.log.error({ err: error, roomId: room.id, guildId }, 'could not close a room of a server the bot left');
      }
    }
    this.#o.log.info({ guildId, closed }, 'the bot was removed from a server: its rooms are closed');
    return closed;
  }

  /**
   * Reads a server's rooms back from Discord (its outage ended, or the Gateway saw it for the first
   * time since this process started). A server that never had rooms (no rooms category of ours) is
   * left untouched: nothing is made in it until someone makes a room there.
   */
  async readBack(guildId: string): Promise<ReconcileResult | null> {
    const { rooms, places, clock, log } = this.#o;
    const stored = (await rooms.list()).some((room) => room.guildId === guildId);
    if (!stored && !(await this.#hasRoomsCategory(guildId))) return null;
    const place = await places.get(guildId);
    return reconcileRooms({ rooms, discord: place.discord, guildId, clock, log, halfMadeGraceMs: this.#o.halfMadeGraceMs ?? 0 });
  }

  /**
   * At start (R-ROOM8 in every server): each server other than `exceptGuildId` (the home one, read
   * back on its own) that has stored rooms and is still in the registry is read back, so a channel
   * deleted there while every instance was down closes its room. One server's trouble (Discord
   * refusing, the bot gone: READY settles that) leaves the others. Returns the servers read back.
   */
  async readBackStored(isKnown: (guildId: string) => Promise<boolean>, exceptGuildId: string | undefined): Promise<string[]> {
    const guildIds = new Set((await this.#o.rooms.list()).map((room) => room.guildId));
    guildIds.delete(exceptGuildId ?? '');
    const done: string[] = [];
    for (const guildId of guildIds) {
      try {
        if (!(await isKnown(guildId))) continue;
        await this.readBack(guildId);
        done.push(guildId);
      } catch (error) {
        this.#o.log.error({ err: error, guildId }, 'could not read a server’s rooms back at start; the next start or its return tries again');
      }
    }
    return done;
  }

  async #hasRoomsCategory(guildId: string): Promise<boolean> {
    const { categoryId } = await this.#o.settingsOf(guildId);
    const channels = await this.#o.rest.getGuildChannels(guildId);
    return channels.some((c) => c.type === CATEGORY && (c.id === categoryId || c.name === MANAGED_CATEGORY_NAME || extraCategoryNumber(c.name) !== null));
  }
}
