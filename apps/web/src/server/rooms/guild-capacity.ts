import type { DiscordResourceLimit } from '@repo/discord-rest';
import { CleanupDefaults } from './cleanup-defaults.ts';
import type { InventorySource, InventoryView } from './guild-inventory.ts';

/**
 * Discord's limits for one guild as the app plans with them, and the reserve it leaves to the
 * server's own admins. Defaults are Discord's numbers (config.ts: DISCORD_MAX_*); tests lower them.
 */
export interface CapacityLimits {
  channelsPerGuild: number;
  channelsPerCategory: number;
  rolesPerGuild: number;
  /** Free channels never taken by rooms, so the server's admins can still make one. */
  reserveChannels: number;
  /** Free roles never taken by rooms. */
  reserveRoles: number;
}

/** Shown to the user when a room does not fit: the create form shows it as is. */
export const ROOMS_FULL_MESSAGE = 'All rooms on this server are in use right now. Try again in a few minutes.';

/**
 * Retry-After of that answer. Capacity comes back when rooms close: any time a host closes one, and
 * predictably when the cleanup job closes idle rooms, which it does every 5 minutes.
 */
export const ROOMS_FULL_RETRY_AFTER_SECONDS = CleanupDefaults.intervalMs / 1000;

/** A room that does not fit in the guild (refused before Discord, or by Discord after a race). */
export class RoomCapacityError extends Error {
  override readonly name = 'RoomCapacityError';
  constructor(
    readonly limit: DiscordResourceLimit,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

/** What one room takes, held while its Discord side is being made. */
export interface Reservation {
  /** Where the room goes; null until the new category it needs exists. */
  readonly categoryId: string | null;
  /** The category this reservation was waiting for now exists (and is counted by the inventory). */
  placeIn(categoryId: string): void;
  /** Idempotent. Call once the room's channel and role are counted by the inventory, or undone. */
  release(): void;
}

export interface CapacityStatus {
  source: InventorySource;
  channels: { used: number; limit: number; reserve: number };
  roles: { used: number; limit: number; reserve: number };
  /** How many more rooms fit, counting the categories that would have to be made. */
  roomsAvailable: number;
}

/**
 * Counts what rooms may still take: the inventory (Discord as last seen, our own changes included)
 * plus the rooms being made right now. One room needs a role and a voice channel, and a category
 * channel when every managed category is full.
 */
export class GuildCapacity {
  #limits: Readonly<CapacityLimits>;
  #pendingChannels = 0;
  #pendingRoles = 0;
  readonly #pendingByCategory = new Map<string, number>();

  constructor(limits: CapacityLimits) {
    this.#limits = { ...limits };
  }

  get limits(): Readonly<CapacityLimits> {
    return this.#limits;
  }

  /** A server's admins changed its reserve (guild settings): rooms placed from now on keep it free. */
  setReserve(reserve: { channels: number; roles: number }): void {
    this.#limits = { ...this.#limits, reserveChannels: reserve.channels, reserveRoles: reserve.roles };
  }

  /** Channels in the category, counting rooms being placed there. */
  channelsUnder(view: InventoryView, categoryId: string): number {
    return view.channelsUnder(categoryId) + (this.#pendingByCategory.get(categoryId) ?? 0);
  }

  hasSlot(view: InventoryView, categoryId: string): boolean {
    return this.channelsUnder(view, categoryId) < this.limits.channelsPerCategory;
  }

  /**
   * Reserves one room in `categoryId`, or in a category still to be made (null: one more channel).
   * Throws RoomCapacityError when the guild cannot take it without eating into the reserve.
   */
  reserve(view: InventoryView, categoryId: string | null): Reservation {
    const channelsNeeded = categoryId === null ? 2 : 1;
    const channelsUsed = view.channelCount() + this.#pendingChannels;
    const rolesUsed = view.roleCount() + this.#pendingRoles;
    const { channelsPerGuild, rolesPerGuild, reserveChannels, reserveRoles } = this.limits;
    if (rolesUsed + 1 > rolesPerGuild - reserveRoles) {
      throw new RoomCapacityError('guild_roles', `roles: ${rolesUsed} of ${rolesPerGuild} used, ${reserveRoles} kept free for the server's admins`);
    }
    if (channelsUsed + channelsNeeded > channelsPerGuild - reserveChannels) {
      throw new RoomCapacityError('guild_channels', `channels: ${channelsUsed} of ${channelsPerGuild} used, ${channelsNeeded} needed, ${reserveChannels} kept free for the server's admins`);
    }
    if (categoryId !== null && !this.hasSlot(view, categoryId)) {
      throw new RoomCapacityError('category_channels', `category ${categoryId} holds ${this.channelsUnder(view, categoryId)} of ${this.limits.channelsPerCategory} channels`);
    }
    return this.#hold(categoryId);
  }

  #hold(initialCategoryId: string | null): Reservation {
    let categoryId = initialCategoryId;
    // A room waiting for its category holds that category's channel too.
    let channels = categoryId === null ? 2 : 1;
    let released = false;
    this.#pendingChannels += channels;
    this.#pendingRoles += 1;
    if (categoryId !== null) this.#addPending(categoryId, 1);
    return {
      get categoryId() {
        return categoryId;
      },
      placeIn: (id) => {
        if (released || categoryId !== null) throw new Error('this reservation is already placed or released');
        categoryId = id;
        this.#pendingChannels -= 1;
        channels = 1;
        this.#addPending(id, 1);
      },
      release: () => {
        if (released) return;
        released = true;
        this.#pendingChannels -= channels;
        this.#pendingRoles -= 1;
        if (categoryId !== null) this.#addPending(categoryId, -1);
      },
    };
  }

  #addPending(categoryId: string, delta: number): void {
    const next = (this.#pendingByCategory.get(categoryId) ?? 0) + delta;
    if (next <= 0) this.#pendingByCategory.delete(categoryId);
    else this.#pendingByCategory.set(categoryId, next);
  }

  /** Whether a room is being placed in this category right now (it must not be deleted under it). */
  isPlacingIn(categoryId: string): boolean {
    return (this.#pendingByCategory.get(categoryId) ?? 0) > 0;
  }

  status(view: InventoryView, managedCategoryIds: readonly string[]): CapacityStatus {
    const { channelsPerGuild, channelsPerCategory, rolesPerGuild, reserveChannels, reserveRoles } = this.limits;
    const channelsUsed = view.channelCount() + this.#pendingChannels;
    const rolesUsed = view.roleCount() + this.#pendingRoles;
    return {
      source: view.source,
      channels: { used: channelsUsed, limit: channelsPerGuild, reserve: reserveChannels },
      roles: { used: rolesUsed, limit: rolesPerGuild, reserve: reserveRoles },
      roomsAvailable: roomsThatFit({
        freeChannels: channelsPerGuild - reserveChannels - channelsUsed,
        freeRoles: rolesPerGuild - reserveRoles - rolesUsed,
        categorySlots: managedCategoryIds.map((id) => channelsPerCategory - this.channelsUnder(view, id)),
        channelsPerCategory,
      }),
    };
  }
}

/**
 * Rooms that fit: one role each; one channel each in a managed category with a free slot, and once
 * those are used up, one more channel for every new category of `channelsPerCategory` rooms.
 */
export function roomsThatFit(input: { freeChannels: number; freeRoles: number; categorySlots: readonly number[]; channelsPerCategory: number }): number {
  const freeChannels = Math.max(0, input.freeChannels);
  const slots = input.categorySlots.reduce((sum, n) => sum + Math.max(0, n), 0);
  const inExisting = Math.min(freeChannels, slots);
  const left = freeChannels - inExisting;
  const perCategory = input.channelsPerCategory + 1;
  const inNew = input.channelsPerCategory <= 0 ? 0 : Math.floor(left / perCategory) * input.channelsPerCategory + Math.max(0, (left % perCategory) - 1);
  return Math.max(0, Math.min(inExisting + inNew, input.freeRoles));
}
