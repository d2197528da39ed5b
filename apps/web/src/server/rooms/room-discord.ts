import { type DiscordRestClient, type PermissionOverwriteInput, resourceLimitOf } from '@repo/discord-rest';
import { ROOM_PLAYER_LIMIT } from '@repo/protocol';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { Logger } from 'pino';
import { RoomCapacityError } from './guild-capacity.ts';
import type { GuildInventory } from './guild-inventory.ts';
import type { RoomPlacement } from './room-placement.ts';

/** Discord's side of a room: a role and a private voice channel, made together or not at all. */
export interface RoomResources {
  roleId: string;
  channelId: string;
}

const PLAYER_ALLOW = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.Connect | PermissionFlagsBits.Speak | PermissionFlagsBits.Stream | PermissionFlagsBits.UseVAD;
const EVERYONE_DENY = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.Connect;
// The bot must see the channel to move people in, and manage it to close it.
const BOT_ALLOW = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.Connect | PermissionFlagsBits.MoveMembers | PermissionFlagsBits.ManageChannels | PermissionFlagsBits.ManageRoles;

export function roomOverwrites(guildId: string, roleId: string, botUserId: string): PermissionOverwriteInput[] {
  return [
    { id: guildId, type: 'role', deny: EVERYONE_DENY },
    { id: roleId, type: 'role', allow: PLAYER_ALLOW },
    { id: botUserId, type: 'member', allow: BOT_ALLOW },
  ];
}

export interface RoomDiscordOptions {
  rest: DiscordRestClient;
  guildId: string;
  botUserId: string;
  placement: RoomPlacement;
  inventory: GuildInventory;
  log: Logger;
}

export class RoomDiscord {
  readonly #rest: DiscordRestClient;
  readonly #guildId: string;
  readonly #botUserId: string;
  readonly #placement: RoomPlacement;
  readonly #inventory: GuildInventory;
  readonly #log: Logger;

  constructor(options: RoomDiscordOptions) {
    this.#rest = options.rest;
    this.#guildId = options.guildId;
    this.#botUserId = options.botUserId;
    this.#placement = options.placement;
    this.#inventory = options.inventory;
    this.#log = options.log;
  }

  /**
   * A place in a rooms category (refused with RoomCapacityError before Discord is touched when the
   * guild is full), then role, channel and the creator's role. A failure at any step undoes the
   * steps before it (no orphan role, channel or empty new category) and rethrows; Discord refusing
   * for one of its resource limits (an admin took the last slot meanwhile) becomes RoomCapacityError.
   */
  async create(shortId: string, name: string, creatorId: string): Promise<RoomResources> {
    const placement = await this.#placement.place();
    const reason = `Spell Rooms: room "${name}"`;
    let roleId: string | undefined;
    let channelId: string | undefined;
    try {
      const role = await this.#rest.createRole(this.#guildId, { name: `room-${shortId}`, permissions: '0', mentionable: false }, { auditLogReason: reason });
      roleId = role.id;
      this.#inventory.noteRoleCreated(role.id);
      const channel = await this.#rest.createVoiceChannel(
        this.#guildId,
        { name, userLimit: ROOM_PLAYER_LIMIT, parentId: placement.categoryId, permissionOverwrites: roomOverwrites(this.#guildId, role.id, this.#botUserId) },
        { auditLogReason: reason },
      );
      channelId = channel.id;
      this.#inventory.noteChannelCreated({ id: channel.id, type: 2, name, parentId: placement.categoryId });
      await this.#rest.addMemberRole(this.#guildId, creatorId, role.id, { auditLogReason: reason });
      return { roleId: role.id, channelId };
    } catch (error) {
      const limit = resourceLimitOf(error);
      if (roleId !== undefined) {
        this.#log.warn({ err: error, roleId, channelId }, 'room creation failed half-way; undoing');
        await this.#undo({ roleId, channelId }).catch((undoError: unknown) => {
          this.#log.error({ err: undoError, roleId, channelId }, 'could not undo a half-made room; it is left in Discord');
        });
      }
      placement.reservation.release();
      if (placement.newCategory) await this.#removeIfEmptyExtra(placement.categoryId);
      if (limit) {
        this.#inventory.invalidate();
        throw new RoomCapacityError(limit, `Discord refused the room (${limit}): our counts were behind, an admin's change raced us`, { cause: error });
      }
      throw error;
    } finally {
      placement.reservation.release();
    }
  }

  /**
   * Deletes channel and role; what is already gone counts as done (closing is idempotent). An extra
   * rooms category the channel leaves empty is deleted too.
   */
  async destroy(resources: { roleId: string; channelId: string | undefined }): Promise<void> {
    const parentId = resources.channelId ? ((await this.#inventory.current()).channel(resources.channelId)?.parentId ?? null) : null;
    await this.#undo(resources);
    if (!parentId || parentId === this.#placement.firstCategoryId) return;
    // Most closes leave other rooms in the category: only an apparently empty one is worth asking Discord about.
    if ((await this.#inventory.current()).channelsUnder(parentId) === 0) await this.#removeIfEmptyExtra(parentId);
  }

  async #undo(resources: { roleId: string; channelId: string | undefined }): Promise<void> {
    const options = { alreadyGoneIsSuccess: true, auditLogReason: 'Spell Rooms: room closed' } as const;
    if (resources.channelId) {
      const before = (await this.#inventory.current()).channel(resources.channelId);
      await this.#rest.deleteChannel(resources.channelId, options);
      this.#inventory.noteChannelDeleted(resources.channelId, before);
    }
    await this.#rest.deleteRole(this.#guildId, resources.roleId, options);
    this.#inventory.noteRoleDeleted(resources.roleId);
  }

  /** Best effort: a category left behind is found again by reconcile at the next start. */
  async #removeIfEmptyExtra(categoryId: string): Promise<void> {
    await this.#placement.removeIfEmptyExtra(categoryId).catch((error: unknown) => {
      this.#log.warn({ err: error, categoryId }, 'could not check or delete an extra rooms category; the next start tries again');
    });
  }

  addPlayer(userId: string, roleId: string): Promise<void> {
    return this.#rest.addMemberRole(this.#guildId, userId, roleId, { auditLogReason: 'Spell Rooms: joined a room' });
  }

  async removePlayer(userId: string, roleId: string): Promise<void> {
    await this.#rest.removeMemberRole(this.#guildId, userId, roleId, { alreadyGoneIsSuccess: true });
  }

  move(userId: string, channelId: string): Promise<void> {
    return this.#rest.moveMember(this.#guildId, userId, channelId);
  }

  /**
   * Voice channels under every managed category (the first and each "Spell Rooms N"), with the
   * room role their overwrites open them to, and the extra categories that hold nothing.
   */
  async managedChannels(): Promise<{ channels: Array<{ channelId: string; name: string; roleId: string | null }>; emptyExtraCategoryIds: string[] }> {
    const listing = await this.#rest.getGuildChannels(this.#guildId);
    const managed = new Set(listing.filter((c) => this.#placement.isManaged(c)).map((c) => c.id));
    const occupied = new Set(listing.map((c) => c.parent_id ?? null));
    return {
      channels: listing
        .filter((c) => c.type === 2 && c.parent_id && managed.has(c.parent_id))
        .map((c) => ({
          channelId: c.id,
          name: c.name ?? 'Room',
          roleId: (c.permission_overwrites ?? []).find((o) => o.type === 0 && o.id !== this.#guildId && (BigInt(o.allow) & PermissionFlagsBits.Connect) !== 0n)?.id ?? null,
        })),
      emptyExtraCategoryIds: [...managed].filter((id) => id !== this.#placement.firstCategoryId && !occupied.has(id)),
    };
  }

  /** For reconcile: deletes an extra category if it is (still) empty. */
  removeIfEmptyExtra(categoryId: string): Promise<boolean> {
    return this.#placement.removeIfEmptyExtra(categoryId);
  }
}
