import { ChannelType, RESTJSONErrorCodes, Routes } from 'discord-api-types/v10';
import type { z } from 'zod';
import { DiscordApiError } from './errors.ts';
import { json, noContent, overwriteBody, snowflake } from './operation-helpers.ts';
import type {
  AddGuildMemberInput,
  AddGuildMemberOutcome,
  CallOptions,
  CreateRoleInput,
  CreateVoiceChannelInput,
  DeleteOptions,
  DeleteOutcome,
  EditChannelInput,
  PermissionOverwriteInput,
} from './operation-types.ts';
import { RequestPipeline, type DiscordRestClientOptions } from './request-pipeline.ts';
import {
  authorizationSchema,
  channelSchema,
  guildSchema,
  partialGuildSchema,
  inviteSchema,
  guildMemberSchema,
  roleSchema,
  userSchema,
  type DiscordAuthorization,
  type DiscordChannel,
  type DiscordGuild,
  type DiscordGuildMember,
  type DiscordInvite,
  type DiscordPartialGuild,
  type DiscordRole,
  type DiscordUser,
} from './schemas.ts';

export type { DiscordRestClientOptions };

/** Discord's largest page of List Guild Members. */
export const GUILD_MEMBERS_PAGE_MAX = 1000;

/**
 * Typed Discord operations for one bot token: each says its route, body and answer's shape, and
 * the request pipeline runs it (@discordjs/rest per-bucket queueing from the `X-RateLimit-*`
 * headers, the global limit, and our retry policy on top, R-RL1).
 */
export class DiscordRestClient {
  readonly #pipeline: RequestPipeline;

  constructor(options: DiscordRestClientOptions) {
    this.#pipeline = new RequestPipeline(options);
  }

  /** Counters since construction (the hooks are the way to feed metrics; these help tests and health pages). */
  get stats(): Readonly<{ rateLimitEvents: number; responses429: number; retries: number }> {
    return this.#pipeline.stats;
  }

  /**
   * Answers Discord counts toward its invalid-request limit (401, 403, 429 not of scope `shared`),
   * bot and user tokens together, over the last `invalidRequestWindowMs`.
   */
  invalidRequestCount(): number {
    return this.#pipeline.invalidRequestCount();
  }

  /** Stops @discordjs/rest's sweeper timers. */
  close(): void {
    this.#pipeline.close();
  }

  // ── Roles ───────────────────────────────────────────────────────────────────────────────────────

  async createRole(guildId: string, input: CreateRoleInput, options?: CallOptions): Promise<DiscordRole> {
    return this.#pipeline.call({
      operation: 'createRole',
      method: 'POST',
      route: '/guilds/:guildId/roles',
      path: Routes.guildRoles(snowflake('guildId', guildId)),
      body: {
        name: input.name,
        permissions: input.permissions === undefined ? undefined : String(input.permissions),
        color: input.color,
        hoist: input.hoist,
        mentionable: input.mentionable,
      },
      options,
      parse: json(roleSchema),
    });
  }

  /** Renames a role (Modify Guild Role, PATCH /guilds/:id/roles/:id); the bot needs MANAGE_ROLES and a higher role. */
  async editRoleName(guildId: string, roleId: string, name: string, options?: CallOptions): Promise<DiscordRole> {
    return this.#pipeline.call({
      operation: 'editRoleName',
      method: 'PATCH',
      route: '/guilds/:guildId/roles/:roleId',
      path: Routes.guildRole(snowflake('guildId', guildId), snowflake('roleId', roleId)),
      body: { name },
      options,
      parse: json(roleSchema),
    });
  }

  /** The guild (its name and owner); Discord answers 404 Unknown Guild (10004) when the bot is not in it. */
  async getGuild(guildId: string, options?: CallOptions): Promise<DiscordGuild> {
    return this.#pipeline.call({
      operation: 'getGuild',
      method: 'GET',
      route: '/guilds/:guildId',
      path: Routes.guild(snowflake('guildId', guildId)),
      options,
      parse: json(guildSchema),
    });
  }

  /** An invite to a channel (needs Create Instant Invite there): `https://discord.gg/<code>`. */
  async createChannelInvite(channelId: string, input: { maxAgeSeconds: number; maxUses: number; unique: boolean }, options?: CallOptions): Promise<DiscordInvite> {
    return this.#pipeline.call({
      operation: 'createChannelInvite',
      method: 'POST',
      route: '/channels/:channelId/invites',
      path: Routes.channelInvites(snowflake('channelId', channelId)),
      body: { max_age: input.maxAgeSeconds, max_uses: input.maxUses, unique: input.unique },
      options,
      parse: json(inviteSchema),
    });
  }

  /** Every role of the guild, @everyone included (it counts toward Discord's 250). */
  async getGuildRoles(guildId: string, options?: CallOptions): Promise<DiscordRole[]> {
    return this.#pipeline.call({
      operation: 'getGuildRoles',
      method: 'GET',
      route: '/guilds/:guildId/roles',
      path: Routes.guildRoles(snowflake('guildId', guildId)),
      options,
      parse: json(roleSchema.array()),
    });
  }

  async deleteRole(guildId: string, roleId: string, options?: DeleteOptions): Promise<DeleteOutcome> {
    return this.#pipeline.delete(
      {
        operation: 'deleteRole',
        method: 'DELETE',
        route: '/guilds/:guildId/roles/:roleId',
        path: Routes.guildRole(snowflake('guildId', guildId), snowflake('roleId', roleId)),
        options,
      },
      [RESTJSONErrorCodes.UnknownRole],
    );
  }

  // ── Channels ────────────────────────────────────────────────────────────────────────────────────

  async createVoiceChannel(guildId: string, input: CreateVoiceChannelInput, options?: CallOptions): Promise<DiscordChannel> {
    return this.#pipeline.call({
      operation: 'createVoiceChannel',
      method: 'POST',
      route: '/guilds/:guildId/channels',
      path: Routes.guildChannels(snowflake('guildId', guildId)),
      body: {
        type: ChannelType.GuildVoice,
        name: input.name,
        user_limit: input.userLimit,
        parent_id: input.parentId === undefined ? undefined : snowflake('parentId', input.parentId),
        permission_overwrites: input.permissionOverwrites?.map(overwriteBody),
      },
      options,
      parse: json(channelSchema),
    });
  }

  /** A category (type 4) to group channels under, e.g. the app's rooms. */
  async createCategory(guildId: string, input: { name: string; permissionOverwrites?: PermissionOverwriteInput[] }, options?: CallOptions): Promise<DiscordChannel> {
    return this.#pipeline.call({
      operation: 'createCategory',
      method: 'POST',
      route: '/guilds/:guildId/channels',
      path: Routes.guildChannels(snowflake('guildId', guildId)),
      body: { type: ChannelType.GuildCategory, name: input.name, permission_overwrites: input.permissionOverwrites?.map(overwriteBody) },
      options,
      parse: json(channelSchema),
    });
  }

  async editChannel(channelId: string, input: EditChannelInput, options?: CallOptions): Promise<DiscordChannel> {
    return this.#pipeline.call({
      operation: 'editChannel',
      method: 'PATCH',
      route: '/channels/:channelId',
      path: Routes.channel(snowflake('channelId', channelId)),
      body: {
        name: input.name,
        user_limit: input.userLimit,
        parent_id: input.parentId === undefined || input.parentId === null ? input.parentId : snowflake('parentId', input.parentId),
        permission_overwrites: input.permissionOverwrites?.map(overwriteBody),
      },
      options,
      parse: json(channelSchema),
    });
  }

  /**
   * Creates or replaces one permission overwrite (a role's or a member's) on a channel. Discord lets
   * a bot allow or deny only bits it holds in the guild (or the channel's parent), unless it has a
   * MANAGE_ROLES overwrite in the channel itself.
   */
  async editChannelPermission(channelId: string, overwrite: PermissionOverwriteInput, options?: CallOptions): Promise<void> {
    const { id, ...body } = overwriteBody(overwrite);
    return this.#pipeline.call({
      operation: 'editChannelPermission',
      method: 'PUT',
      route: '/channels/:channelId/permissions/:overwriteId',
      path: Routes.channelPermission(snowflake('channelId', channelId), id),
      body,
      options,
      parse: noContent,
    });
  }

  /** Removes one overwrite; Discord answers 204 whether or not the channel had it. */
  async deleteChannelPermission(channelId: string, overwriteId: string, options?: DeleteOptions): Promise<DeleteOutcome> {
    return this.#pipeline.delete(
      {
        operation: 'deleteChannelPermission',
        method: 'DELETE',
        route: '/channels/:channelId/permissions/:overwriteId',
        path: Routes.channelPermission(snowflake('channelId', channelId), snowflake('overwriteId', overwriteId)),
        options,
      },
      [RESTJSONErrorCodes.UnknownChannel],
    );
  }

  async deleteChannel(channelId: string, options?: DeleteOptions): Promise<DeleteOutcome> {
    return this.#pipeline.delete(
      { operation: 'deleteChannel', method: 'DELETE', route: '/channels/:channelId', path: Routes.channel(snowflake('channelId', channelId)), options },
      [RESTJSONErrorCodes.UnknownChannel],
    );
  }

  async getGuildChannels(guildId: string, options?: CallOptions): Promise<DiscordChannel[]> {
    return this.#pipeline.call({
      operation: 'getGuildChannels',
      method: 'GET',
      route: '/guilds/:guildId/channels',
      path: Routes.guildChannels(snowflake('guildId', guildId)),
      options,
      parse: json(channelSchema.array()),
    });
  }

  // ── Members ─────────────────────────────────────────────────────────────────────────────────────

  /**
   * One page of the guild's members, in user id order, after the user id `after` (Discord's List
   * Guild Members: `limit` 1–1000). Needs the privileged GUILD_MEMBERS intent enabled for the bot.
   */
  async listGuildMembers(guildId: string, page: { limit: number; after?: string }, options?: CallOptions): Promise<DiscordGuildMember[]> {
    if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > GUILD_MEMBERS_PAGE_MAX) {
      throw new RangeError(`limit must be an integer from 1 to ${GUILD_MEMBERS_PAGE_MAX}, got ${page.limit}`);
    }
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.after !== undefined) query.set('after', snowflake('after', page.after));
    return this.#pipeline.call({
      operation: 'listGuildMembers',
      method: 'GET',
      route: '/guilds/:guildId/members',
      path: Routes.guildMembers(snowflake('guildId', guildId)),
      query,
      options,
      parse: json(guildMemberSchema.array()),
    });
  }

  /** The member, or null when the user is not in the guild (Discord's Unknown Member, 10007). */
  async getGuildMember(guildId: string, userId: string, options?: CallOptions): Promise<DiscordGuildMember | null> {
    try {
      return await this.#pipeline.call({
        operation: 'getGuildMember',
        method: 'GET',
        route: '/guilds/:guildId/members/:userId',
        path: Routes.guildMember(snowflake('guildId', guildId), snowflake('userId', userId)),
        options,
        parse: json(guildMemberSchema),
      });
    } catch (error) {
      if (error instanceof DiscordApiError && error.code === RESTJSONErrorCodes.UnknownMember) return null;
      throw error;
    }
  }

  /** Adds a user to the guild with their OAuth2 token (`guilds.join`); a user already in it is left as is. */
  async addGuildMember(guildId: string, userId: string, input: AddGuildMemberInput, options?: CallOptions): Promise<AddGuildMemberOutcome> {
    return this.#pipeline.call({
      operation: 'addGuildMember',
      method: 'PUT',
      route: '/guilds/:guildId/members/:userId',
      path: Routes.guildMember(snowflake('guildId', guildId), snowflake('userId', userId)),
      body: { access_token: input.accessToken, roles: input.roles, nick: input.nick },
      options,
      // 201 with the member when added, 204 when the user was already a member.
      parse: (status, body) => (status === 204 ? { outcome: 'already_member' } : { outcome: 'added', member: guildMemberSchema.parse(body) }),
    });
  }

  async addMemberRole(guildId: string, userId: string, roleId: string, options?: CallOptions): Promise<void> {
    return this.#pipeline.call({
      operation: 'addMemberRole',
      method: 'PUT',
      route: '/guilds/:guildId/members/:userId/roles/:roleId',
      path: Routes.guildMemberRole(snowflake('guildId', guildId), snowflake('userId', userId), snowflake('roleId', roleId)),
      options,
      parse: noContent,
    });
  }

  async removeMemberRole(guildId: string, userId: string, roleId: string, options?: DeleteOptions): Promise<DeleteOutcome> {
    return this.#pipeline.delete(
      {
        operation: 'removeMemberRole',
        method: 'DELETE',
        route: '/guilds/:guildId/members/:userId/roles/:roleId',
        path: Routes.guildMemberRole(snowflake('guildId', guildId), snowflake('userId', userId), snowflake('roleId', roleId)),
        options,
      },
      [RESTJSONErrorCodes.UnknownMember, RESTJSONErrorCodes.UnknownRole],
    );
  }

  /**
   * Moves a member who is connected to voice into `channelId`; null disconnects them. Discord refuses
   * with 40032 (Target user is not connected to voice) when they are not in any voice channel.
   */
  async moveMember(guildId: string, userId: string, channelId: string | null, options?: CallOptions): Promise<void> {
    return this.#pipeline.call({
      operation: 'moveMember',
      method: 'PATCH',
      route: '/guilds/:guildId/members/:userId',
      path: Routes.guildMember(snowflake('guildId', guildId), snowflake('userId', userId)),
      body: { channel_id: channelId === null ? null : snowflake('channelId', channelId) },
      options,
      parse: () => undefined,
    });
  }

  /** The bot's own user (its id goes into channel overwrites). */
  async getBotUser(options?: CallOptions): Promise<DiscordUser> {
    return this.#pipeline.call({ operation: 'getBotUser', method: 'GET', route: '/users/@me', path: '/users/@me', options, parse: json(userSchema) });
  }

  /**
   * The servers the bot is in, oldest first (GET /users/@me/guilds: at most 200 a page, `after` for
   * the next). The app takes the oldest as its home server when DISCORD_GUILD_ID is not set.
   */
  async getBotGuilds(page: { limit: number; after?: string } = { limit: 200 }, options?: CallOptions): Promise<DiscordPartialGuild[]> {
    return this.#myGuilds('getBotGuilds', page, undefined, options);
  }

  /**
   * The servers a signed-in user is in, by id (GET /users/@me/guilds with their bearer token and the
   * `guilds` scope; `owner` and `permissions` as Discord computes them for the user). A token without
   * the scope is answered 401 (a DiscordApiError with status 401).
   */
  async getUserGuilds(accessToken: string, page: { limit: number; after?: string } = { limit: 200 }, options?: CallOptions): Promise<DiscordPartialGuild[]> {
    return this.#myGuilds('getUserGuilds', page, accessToken, options);
  }

  async #myGuilds(operation: string, page: { limit: number; after?: string }, accessToken: string | undefined, options?: CallOptions): Promise<DiscordPartialGuild[]> {
    if (!Number.isInteger(page.limit) || page.limit < 1 || page.limit > 200) throw new RangeError(`limit must be an integer from 1 to 200, got ${page.limit}`);
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.after !== undefined) query.set('after', snowflake('after', page.after));
    const auth = accessToken === undefined ? {} : { auth: { kind: 'bearer' as const, token: accessToken } };
    return this.#pipeline.call({ operation, method: 'GET', route: '/users/@me/guilds', path: '/users/@me/guilds', query, ...auth, options, parse: json(partialGuildSchema.array()) });
  }

  // ── OAuth2 (the user's bearer token) ────────────────────────────────────────────────────────────

  async getCurrentUser(accessToken: string, options?: CallOptions): Promise<DiscordUser> {
    return this.#asUser('getCurrentUser', '/users/@me', accessToken, userSchema, options);
  }

  /** The token's scopes and expiry (and the user, with `identify`). */
  async getCurrentAuthorization(accessToken: string, options?: CallOptions): Promise<DiscordAuthorization> {
    return this.#asUser('getCurrentAuthorization', '/oauth2/@me', accessToken, authorizationSchema, options);
  }

  /** A GET with the user's bearer token instead of the bot's, its answer checked by `schema`. */
  async #asUser<S extends z.ZodType>(operation: string, path: '/users/@me' | '/oauth2/@me', accessToken: string, schema: S, options?: CallOptions): Promise<z.infer<S>> {
    return this.#pipeline.call({ operation, method: 'GET', route: path, path, auth: { kind: 'bearer', token: accessToken }, options, parse: json(schema) });
  }
}
