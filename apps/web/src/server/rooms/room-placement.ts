import { type DiscordChannel, type DiscordRestClient, DiscordApiError, DiscordErrorCodes, type PermissionOverwriteInput, resourceLimitOf } from '@repo/discord-rest';
import type { Logger } from 'pino';
import { type CapacityStatus, type GuildCapacity, type Reservation, RoomCapacityError } from './guild-capacity.ts';
import type { GuildInventory, InventoryChannel, InventoryView } from './guild-inventory.ts';

/** The first rooms category's name when none is configured; extras are named "Spell Rooms 2", "Spell Rooms 3", … */
export const MANAGED_CATEGORY_NAME = 'Spell Rooms';

const CATEGORY = 4;
// Exactly "Spell Rooms N", N = 2, 3, … with no leading zero: an admin's "Spell Rooms archive" or
// "Spell Rooms 02" is never taken for ours (and never deleted when empty).
const EXTRA_CATEGORY = /^Spell Rooms ([2-9]|[1-9]\d+)$/;

/** N of an extra rooms category ("Spell Rooms N", N ≥ 2), or null for any other name. */
export function extraCategoryNumber(name: string | null | undefined): number | null {
  const match = name ? EXTRA_CATEGORY.exec(name) : null;
  return match?.[1] ? Number(match[1]) : null;
}

/**
 * The first managed category: the configured one (it must exist and be a category), else the one
 * named "Spell Rooms", created when missing. It is never deleted, even when empty.
 */
export async function ensureRoomsCategory(rest: DiscordRestClient, guildId: string, configured: string | undefined, log: Logger): Promise<string> {
  const channels = await rest.getGuildChannels(guildId);
  if (configured) {
    if (!channels.some((c) => c.id === configured && c.type === CATEGORY)) {
      throw new Error(`DISCORD_ROOMS_CATEGORY_ID ${configured} is not a category of guild ${guildId}`);
    }
    return configured;
  }
  const existing = channels.find((c) => c.type === CATEGORY && c.name === MANAGED_CATEGORY_NAME);
  if (existing) return existing.id;
  const created = await rest.createCategory(guildId, { name: MANAGED_CATEGORY_NAME }, { auditLogReason: 'Spell Rooms: rooms category' });
  log.info({ categoryId: created.id }, 'created the rooms category');
  return created.id;
}

export interface RoomPlacementOptions {
  guildId: string;
  rest: DiscordRestClient;
  inventory: GuildInventory;
  capacity: GuildCapacity;
  /** From ensureRoomsCategory. */
  firstCategoryId: string;
  log: Logger;
}

/** Where a room goes, and what it holds of the guild's capacity until its Discord side exists. */
export interface Placement {
  categoryId: string;
  reservation: Reservation;
  /** This placement made the category (an undo should remove it again if it stays empty). */
  newCategory: boolean;
}

/**
 * Puts rooms in categories within Discord's limits (50 channels per category, 500 per guild, 250
 * roles): the first managed category first, then "Spell Rooms 2", "Spell Rooms 3", … made on demand
 * with the first one's overwrites. An extra category left empty is deleted; the first never is.
 *
 * Placements and category deletions run one at a time in this process, so two creates never make
 * two "Spell Rooms 2" and a category is never deleted under a room being placed in it. Across
 * instances (REDIS_URL) nothing is locked: a category another instance made is found and reused
 * (its name is the rule), a duplicate is deleted once empty, and when two instances take the last
 * slot Discord refuses one, which is undone and answered like any full server.
 */
export class RoomPlacement {
  readonly #o: RoomPlacementOptions;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: RoomPlacementOptions) {
    this.#o = options;
  }

  get firstCategoryId(): string {
    return this.#o.firstCategoryId;
  }

  /** The managed categories in the order rooms fill them: the first, then extras by number. */
  managedCategories(view: InventoryView): InventoryChannel[] {
    const first = view.channel(this.#o.firstCategoryId);
    const extras = view
      .categories()
      .filter((c) => c.id !== this.#o.firstCategoryId && extraCategoryNumber(c.name) !== null)
      .sort((a, b) => (extraCategoryNumber(a.name) ?? 0) - (extraCategoryNumber(b.name) ?? 0) || compareIds(a.id, b.id));
    return [first ?? { id: this.#o.firstCategoryId, type: CATEGORY, name: null, parentId: null }, ...extras];
  }

  /** Whether a category (by its Discord listing) is one of ours. */
  isManaged(channel: Pick<DiscordChannel, 'id' | 'type' | 'name'>): boolean {
    return channel.type === CATEGORY && (channel.id === this.#o.firstCategoryId || extraCategoryNumber(channel.name) !== null);
  }

  /**
   * Picks the category for one more room and reserves its share of the guild. Throws
   * RoomCapacityError, before anything is asked of Discord, when the room does not fit.
   */
  place(): Promise<Placement> {
    return this.#serially(async () => {
      const view = await this.#o.inventory.current();
      const { capacity } = this.#o;
      for (const category of this.managedCategories(view)) {
        if (capacity.hasSlot(view, category.id)) return { categoryId: category.id, reservation: capacity.reserve(view, category.id), newCategory: false };
      }
      // Every managed category is full: the room needs a new one, which must fit as well.
      const reservation = capacity.reserve(view, null);
      try {
        const { id, made } = await this.#extraCategory();
        reservation.placeIn(id);
        return { categoryId: id, reservation, newCategory: made };
      } catch (error) {
        reservation.release();
        throw error;
      }
    });
  }

  /**
   * Deletes `categoryId` if it is an extra rooms category with nothing in it and no room being
   * placed there. Asks Discord itself (a listing) before deleting: a category is never deleted on
   * what a cache believes.
   */
  removeIfEmptyExtra(categoryId: string): Promise<boolean> {
    return this.#serially(async () => {
      if (categoryId === this.#o.firstCategoryId || this.#o.capacity.isPlacingIn(categoryId)) return false;
      const channels = await this.#o.rest.getGuildChannels(this.#o.guildId);
      const category = channels.find((c) => c.id === categoryId);
      if (!category || category.type !== CATEGORY || extraCategoryNumber(category.name) === null) return false;
      if (channels.some((c) => c.parent_id === categoryId)) return false;
      await this.#o.rest.deleteChannel(categoryId, { alreadyGoneIsSuccess: true, auditLogReason: 'Spell Rooms: extra rooms category left empty' });
      this.#o.inventory.noteChannelDeleted(categoryId, { id: categoryId, type: CATEGORY, name: category.name ?? null, parentId: null });
      this.#o.inventory.invalidate();
      this.#o.log.info({ categoryId, name: category.name }, 'deleted an empty extra rooms category');
      return true;
    });
  }

  /** Channels, roles and rooms that still fit, for /api/health and the metrics. */
  async status(): Promise<CapacityStatus> {
    const view = await this.#o.inventory.current();
    return this.#o.capacity.status(view, this.managedCategories(view).map((c) => c.id));
  }

  /**
   * An extra category with a free slot that our picture missed (another instance made it), else a
   * new one named with the lowest free number. Discord's listing decides both.
   */
  async #extraCategory(): Promise<{ id: string; made: boolean }> {
    const { rest, guildId, inventory, capacity } = this.#o;
    const channels = await rest.getGuildChannels(guildId);
    const children = new Map<string, number>();
    for (const c of channels) if (c.parent_id) children.set(c.parent_id, (children.get(c.parent_id) ?? 0) + 1);
    const extras = channels.filter((c) => c.type === CATEGORY && c.id !== this.#o.firstCategoryId && extraCategoryNumber(c.name) !== null);
    const reusable = extras.find((c) => (children.get(c.id) ?? 0) < capacity.limits.channelsPerCategory && !capacity.isPlacingIn(c.id));
    if (reusable) {
      inventory.invalidate();
      return { id: reusable.id, made: false };
    }
    const taken = new Set(extras.map((c) => extraCategoryNumber(c.name)));
    let n = 2;
    while (taken.has(n)) n += 1;
    const name = `${MANAGED_CATEGORY_NAME} ${n}`;
    const first = channels.find((c) => c.id === this.#o.firstCategoryId);
    const overwrites = (first?.permission_overwrites ?? []).map(
      (o): PermissionOverwriteInput => ({ id: o.id, type: o.type === 1 ? 'member' : 'role', allow: o.allow, deny: o.deny }),
    );
    const created = await this.#createCategory(name, overwrites);
    inventory.noteChannelCreated({ id: created.id, type: CATEGORY, name, parentId: null });
    this.#o.log.info({ categoryId: created.id, name }, 'every rooms category is full: created the next one');
    return { id: created.id, made: true };
  }

  async #createCategory(name: string, overwrites: PermissionOverwriteInput[]): Promise<DiscordChannel> {
    const { rest, guildId } = this.#o;
    const reason = { auditLogReason: 'Spell Rooms: the rooms categories are full' };
    try {
      return await rest.createCategory(guildId, { name, permissionOverwrites: overwrites }, reason);
    } catch (error) {
      const limit = resourceLimitOf(error);
      if (limit) {
        this.#o.inventory.invalidate();
        throw new RoomCapacityError(limit, `Discord refused the category "${name}"`, { cause: error });
      }
      // An admin's overwrites on the first category may grant what the bot itself lacks; the rooms'
      // own channel overwrites keep them private, so a plain category will do.
      if (overwrites.length > 0 && error instanceof DiscordApiError && error.code === DiscordErrorCodes.MissingPermissions) {
        this.#o.log.warn({ err: error, name }, "could not copy the first rooms category's overwrites; creating the category without them");
        return rest.createCategory(guildId, { name }, reason);
      }
      throw error;
    }
  }

  #serially<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(job, job);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** Snowflakes by age (numeric order), as strings of different lengths compare wrongly. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
