import { DiscordApiError, DiscordErrorCodes, type DiscordRestClient, type DiscordGuildMember, GUILD_MEMBERS_PAGE_MAX, type PermissionOverwriteInput, resourceLimitOf } from '@repo/discord-rest';
import { ROOM_PLAYER_LIMIT } from '@repo/protocol';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { Logger } from 'pino';
import { RoomCapacityError } from './guild-capacity.ts';
import type { GuildInventory } from './guild-inventory.ts';
import { type GuildListing, type OverwriteChange, barOverwrite, hostOverwrite, roomRoleName } from './room-in-discord.ts';
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

/** A room channel's overwrites; the host's is what marks them as host in Discord (room-in-discord.ts). */
export function roomOverwrites(guildId: string, roleId: string, botUserId: string, hostId: string): PermissionOverwriteInput[] {
  return [
    { id: guildId, type: 'role', deny: EVERYONE_DENY },
    { id: roleId, type: 'role', allow: PLAYER_ALLOW },
    { id: botUserId, type: 'member', allow: BOT_ALLOW },
    hostOverwrite(hostId),
  ];
}

/** A server's RoomDiscord (issue 17: rooms live in any server the bot is in; GuildPlaces builds each on first use). */
export type RoomDiscordOf = (guildId: string) => Promise<RoomDiscord>;

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
  async create(roomId: string, name: string, creatorId: string): Promise<RoomResources> {
    const placement = await this.#placement.place();
    const reason = `Spell Rooms: room "${name}"`;
    let roleId: string | undefined;
    let channelId: string | undefined;
    try {
      const role = await this.#rest.createRole(this.#guildId, { name: roomRoleName(roomId), permissions: '0', mentionable: false }, { auditLogReason: reason });
      roleId = role.id;
      this.#inventory.noteRoleCreated(role.id);
      const channel = await this.#rest.createVoiceChannel(
        this.#guildId,
        { name, userLimit: ROOM_PLAYER_LIMIT, parentId: placement.categoryId, permissionOverwrites: roomOverwrites(this.#guildId, role.id, this.#botUserId, creatorId) },
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

  async #undo(resources: { roleId: string; channelId: string | undefined }, reason = 'Spell Rooms: room closed'): Promise<void> {
    if (resources.channelId) await this.#deleteChannel(resources.channelId, reason);
    await this.#deleteRole(resources.roleId, reason);
  }

  async #deleteChannel(channelId: string, reason: string): Promise<void> {
    const before = (await this.#inventory.current()).channel(channelId);
    await this.#rest.deleteChannel(channelId, { alreadyGoneIsSuccess: true, auditLogReason: reason });
    this.#inventory.noteChannelDeleted(channelId, before);
  }

  async #deleteRole(roleId: string, reason: string): Promise<void> {
    await this.#rest.deleteRole(this.#guildId, roleId, { alreadyGoneIsSuccess: true, auditLogReason: reason });
    this.#inventory.noteRoleDeleted(roleId);
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

  move(userId: string, channelId: string): Promise<void> {
    return this.#rest.moveMember(this.#guildId, userId, channelId);
  }

  // ---- host controls (issue 19): each step is idempotent, so a retry after a failure finishes the job ----

  /** The voice channel's name (Discord: twice per 10 minutes per channel; a 429 past that, see room-host-controls.ts). */
  async renameChannel(channelId: string, name: string): Promise<void> {
    await this.#rest.editChannel(channelId, { name }, { auditLogReason: 'Spell Rooms: the host renamed the room' });
  }

  /** The room's lock and link generation, in its role's name (room-in-discord.ts). */
  async writeRoleState(roomId: string, roleId: string, state: { linkGeneration: number; locked: boolean }): Promise<void> {
    await this.#rest.editRoleName(this.#guildId, roleId, roomRoleName(roomId, state), { auditLogReason: 'Spell Rooms: room locked, unlocked or its links made new' });
  }

  /** A player's seat given back or taken: the role goes (already gone counts as done). */
  async removePlayer(userId: string, roleId: string, why: 'left' | 'removed'): Promise<void> {
    const auditLogReason = why === 'left' ? 'Spell Rooms: left the room' : 'Spell Rooms: removed by the room host';
    await this.#rest.removeMemberRole(this.#guildId, userId, roleId, { alreadyGoneIsSuccess: true, auditLogReason });
  }

  /** Out of voice (Discord: PATCH member `{channel_id: null}`); someone who already left voice (40032) is done. */
  async disconnect(userId: string): Promise<void> {
    try {
      await this.#rest.moveMember(this.#guildId, userId, null);
    } catch (error) {
      if (error instanceof DiscordApiError && error.code === DiscordErrorCodes.TargetUserIsNotConnectedToVoice) return;
      throw error;
    }
  }

  /** A removed user cannot see the room's channel nor join its voice by hand, whatever role they hold. */
  async bar(channelId: string, userId: string): Promise<void> {
    await this.#rest.editChannelPermission(channelId, barOverwrite(userId), { auditLogReason: 'Spell Rooms: removed by the room host' });
  }

  /** The bars go when the host makes new links (a bar already gone counts as done). */
  async unbar(channelId: string, userIds: readonly string[]): Promise<void> {
    for (const userId of userIds) {
      await this.#rest.deleteChannelPermission(channelId, userId, { alreadyGoneIsSuccess: true, auditLogReason: 'Spell Rooms: the room host made new links' });
    }
  }

  /**
   * The guild as Discord lists it now: channels, roles, and every member (pages of 1,000; needs the
   * GUILD_MEMBERS intent, which the Gateway asks for anyway). What a read-back is built from.
   */
  async listGuild(): Promise<GuildListing> {
    const [channels, roles] = await Promise.all([this.#rest.getGuildChannels(this.#guildId), this.#rest.getGuildRoles(this.#guildId)]);
    const members: DiscordGuildMember[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#rest.listGuildMembers(this.#guildId, after === undefined ? { limit: GUILD_MEMBERS_PAGE_MAX } : { limit: GUILD_MEMBERS_PAGE_MAX, after });
      members.push(...page);
      const last = page.at(-1)?.user?.id;
      if (page.length < GUILD_MEMBERS_PAGE_MAX || last === undefined) break;
      after = last;
    }
    return { guildId: this.#guildId, botUserId: this.#botUserId, channels, roles, members, isManagedCategory: (c) => this.#placement.isManaged(c) };
  }

  /**
   * Makes one member the room's marked host (room-in-discord.ts computes the changes): their mark
   * first, then the stale ones go. A crash in between leaves two marks, which the next read-back
   * settles the same way (the one seated first wins).
   */
  async applyHostMarks(channelId: string, changes: readonly OverwriteChange[]): Promise<void> {
    const reason = { auditLogReason: 'Spell Rooms: room host' };
    for (const change of changes) {
      if ('put' in change) await this.#rest.editChannelPermission(channelId, change.put, reason);
      else await this.#rest.deleteChannelPermission(channelId, change.remove, { ...reason, alreadyGoneIsSuccess: true });
    }
  }

  /** A member holding a room's role past the player limit (reconcile): the role goes, they stay in the server. */
  async removeExtraPlayer(userId: string, roleId: string): Promise<void> {
    await this.#rest.removeMemberRole(this.#guildId, userId, roleId, { alreadyGoneIsSuccess: true, auditLogReason: 'Spell Rooms: more players than a room seats' });
  }

  /** A `room-<id>` role whose channel is gone (reconcile). */
  removeLoneRole(roleId: string): Promise<void> {
    return this.#deleteRole(roleId, 'Spell Rooms: room role without its channel');
  }

  /** A room channel whose role is gone (reconcile). */
  removeLoneChannel(channelId: string): Promise<void> {
    return this.#deleteChannel(channelId, 'Spell Rooms: room channel without its role');
  }

  /** For reconcile: deletes an extra category if it is (still) empty. */
  removeIfEmptyExtra(categoryId: string): Promise<boolean> {
    return this.#placement.removeIfEmptyExtra(categoryId);
  }
}
