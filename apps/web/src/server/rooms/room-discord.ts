import type { DiscordRestClient, PermissionOverwriteInput } from '@repo/discord-rest';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import type { Logger } from 'pino';
import { ROOM_PLAYER_LIMIT } from '@repo/protocol';

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

export class RoomDiscord {
  constructor(
    private readonly rest: DiscordRestClient,
    private readonly guildId: string,
    private readonly botUserId: string,
    private readonly log: Logger,
  ) {}

  /**
   * Role, then channel, then the creator's role. A failure at any step undoes the steps before it
   * (no orphan role or channel), then rethrows the original failure.
   */
  async create(shortId: string, name: string, categoryId: string, creatorId: string): Promise<RoomResources> {
    const reason = `Spell Rooms: room "${name}"`;
    const role = await this.rest.createRole(this.guildId, { name: `room-${shortId}`, permissions: '0', mentionable: false }, { auditLogReason: reason });
    let channelId: string | undefined;
    try {
      const channel = await this.rest.createVoiceChannel(
        this.guildId,
        { name, userLimit: ROOM_PLAYER_LIMIT, parentId: categoryId, permissionOverwrites: roomOverwrites(this.guildId, role.id, this.botUserId) },
        { auditLogReason: reason },
      );
      channelId = channel.id;
      await this.rest.addMemberRole(this.guildId, creatorId, role.id, { auditLogReason: reason });
      return { roleId: role.id, channelId };
    } catch (error) {
      this.log.warn({ err: error, roleId: role.id, channelId }, 'room creation failed half-way; undoing');
      await this.destroy({ roleId: role.id, channelId }).catch((undoError: unknown) => {
        this.log.error({ err: undoError, roleId: role.id, channelId }, 'could not undo a half-made room; it is left in Discord');
      });
      throw error;
    }
  }

  /** Deletes channel and role; what is already gone counts as done (closing is idempotent). */
  async destroy(resources: { roleId: string; channelId: string | undefined }): Promise<void> {
    const options = { alreadyGoneIsSuccess: true, auditLogReason: 'Spell Rooms: room closed' } as const;
    if (resources.channelId) await this.rest.deleteChannel(resources.channelId, options);
    await this.rest.deleteRole(this.guildId, resources.roleId, options);
  }

  addPlayer(userId: string, roleId: string): Promise<void> {
    return this.rest.addMemberRole(this.guildId, userId, roleId, { auditLogReason: 'Spell Rooms: joined a room' });
  }

  async removePlayer(userId: string, roleId: string): Promise<void> {
    await this.rest.removeMemberRole(this.guildId, userId, roleId, { alreadyGoneIsSuccess: true });
  }

  move(userId: string, channelId: string): Promise<void> {
    return this.rest.moveMember(this.guildId, userId, channelId);
  }

  /** The managed category: the configured one, else one named "Spell Rooms" (created when missing). */
  async ensureCategory(configured: string | undefined): Promise<string> {
    const channels = await this.rest.getGuildChannels(this.guildId);
    if (configured) {
      if (!channels.some((c) => c.id === configured && c.type === 4)) {
        throw new Error(`DISCORD_ROOMS_CATEGORY_ID ${configured} is not a category of guild ${this.guildId}`);
      }
      return configured;
    }
    const existing = channels.find((c) => c.type === 4 && c.name === MANAGED_CATEGORY_NAME);
    if (existing) return existing.id;
    const created = await this.rest.createCategory(this.guildId, { name: MANAGED_CATEGORY_NAME }, { auditLogReason: 'Spell Rooms: rooms category' });
    this.log.info({ categoryId: created.id }, 'created the rooms category');
    return created.id;
  }

  /** Voice channels under the category, with the room role that their overwrites open them to. */
  async managedChannels(categoryId: string): Promise<Array<{ channelId: string; name: string; roleId: string | null }>> {
    const channels = await this.rest.getGuildChannels(this.guildId);
    return channels
      .filter((c) => c.type === 2 && c.parent_id === categoryId)
      .map((c) => ({
        channelId: c.id,
        name: c.name ?? 'Room',
        roleId: (c.permission_overwrites ?? []).find((o) => o.type === 0 && o.id !== this.guildId && (BigInt(o.allow) & PermissionFlagsBits.Connect) !== 0n)?.id ?? null,
      }));
  }
}

export const MANAGED_CATEGORY_NAME = 'Spell Rooms';
