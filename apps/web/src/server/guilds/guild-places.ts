import type { GuildInventoryView } from '@repo/discord-gateway';
import type { DiscordRestClient } from '@repo/discord-rest';
import type { Clock } from '@repo/platform';
import type { Logger } from 'pino';
import { type CapacityLimits, type CapacityStatus, GuildCapacity } from '../rooms/guild-capacity.ts';
import { GuildInventory } from '../rooms/guild-inventory.ts';
import { RoomDiscord } from '../rooms/room-discord.ts';
import { RoomPlacement, ensureRoomsCategory } from '../rooms/room-placement.ts';
import type { GuildSettings } from './guild-settings.ts';

/** One server's Discord side of rooms: what it holds, what fits, where rooms go, how they are made. */
export interface GuildPlace {
  guildId: string;
  inventory: GuildInventory;
  capacity: GuildCapacity;
  placement: RoomPlacement;
  discord: RoomDiscord;
}

export type GuildCapacityStatus = CapacityStatus & { roomsInUse: number };

export interface GuildPlacesOptions {
  rest: DiscordRestClient;
  gateway: GuildInventoryView;
  botUserId: string;
  clock: Clock;
  /** Discord's per-guild limits (config); each server's reserve comes from its settings. */
  limits: Omit<CapacityLimits, 'reserveChannels' | 'reserveRoles'>;
  settingsOf(guildId: string): Promise<GuildSettings>;
  log: Logger;
}

/**
 * Capacity counts, placement and the Discord side of rooms, per server (a Map by guild id, built
 * lazily on a server's first room or capacity question: its rooms category is found or made then).
 * Memory per server: an inventory overlay, a capacity counter and two small objects; the Gateway's
 * cache holds the channels and roles themselves (measured in specs/discord-limits.md).
 */
export class GuildPlaces {
  readonly #o: GuildPlacesOptions;
  readonly #places = new Map<string, Promise<GuildPlace>>();

  constructor(options: GuildPlacesOptions, preset: GuildPlace[] = []) {
    this.#o = options;
    for (const place of preset) this.#places.set(place.guildId, Promise.resolve(place));
  }

  /** The server's place, made on first use; a failed first use (Discord down) is retried next time. */
  get(guildId: string): Promise<GuildPlace> {
    let place = this.#places.get(guildId);
    if (!place) {
      place = this.#build(guildId);
      this.#places.set(guildId, place);
      place.catch(() => {
        if (this.#places.get(guildId) === place) this.#places.delete(guildId);
      });
    }
    return place;
  }

  /** Only the servers already in use (health, metrics: never makes a category). */
  async known(): Promise<GuildPlace[]> {
    const settled = await Promise.allSettled(this.#places.values());
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  /** What fits, and how many room channels the server's managed categories hold now ("N of M rooms free"). */
  async capacityOf(guildId: string): Promise<GuildCapacityStatus> {
    const place = await this.get(guildId);
    const status = await place.placement.status();
    const view = await place.inventory.current();
    const roomsInUse = place.placement.managedCategories(view).reduce((sum, category) => sum + view.channelsUnder(category.id), 0);
    return { ...status, roomsInUse };
  }

  /** Settings changed: the reserve applies from the next room on; a new category from the next build. */
  async settingsChanged(guildId: string, settings: GuildSettings): Promise<void> {
    const existing = this.#places.get(guildId);
    if (!existing) return;
    const place = await existing.catch(() => null);
    if (!place) return;
    place.capacity.setReserve(settings.reserve);
    if ((settings.categoryId ?? null) !== null && settings.categoryId !== place.placement.firstCategoryId) this.#places.delete(guildId);
  }

  /** The bot left the server: nothing of it is kept. */
  forget(guildId: string): void {
    this.#places.delete(guildId);
  }

  get size(): number {
    return this.#places.size;
  }

  async #build(guildId: string): Promise<GuildPlace> {
    const { rest, gateway, clock, log, botUserId } = this.#o;
    const settings = await this.#o.settingsOf(guildId);
    const firstCategoryId = await ensureRoomsCategory(rest, guildId, settings.categoryId ?? undefined, log);
    const inventory = new GuildInventory({ guildId, gateway, rest, clock });
    const capacity = new GuildCapacity({ ...this.#o.limits, reserveChannels: settings.reserve.channels, reserveRoles: settings.reserve.roles });
    const placement = new RoomPlacement({ guildId, rest, inventory, capacity, firstCategoryId, log });
    const discord = new RoomDiscord({ rest, guildId, botUserId, placement, inventory, log });
    return { guildId, inventory, capacity, placement, discord };
  }
}
