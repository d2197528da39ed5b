import { DiscordApiError, DiscordErrorCodes, type DiscordRestClient } from '@repo/discord-rest';
import type { UserServer } from '@repo/protocol';
import type { Logger } from 'pino';
import { AppError, validationError } from '../errors.ts';
import type { GuildAccess } from './guild-access.ts';
import type { GuildCapacityStatus } from './guild-places.ts';
import type { GuildRegistry, KnownGuild } from './guild-registry.ts';
import type { UserGuildList, UserGuilds } from './user-guilds.ts';
import { type GuildSettings, type GuildSettingsStore, GuildSettingsUpdateSchema, applyUpdate, settingsWithDefaults } from './guild-settings.ts';

/** What /api/me and the lobby list: the user's servers, and whether the sign-in is too old to list them all. */
export interface UserServers {
  guilds: UserServer[];
  /** Signed in before the `guilds` scope was asked: only the home server is known; signing in again lists the rest. */
  signInAgain: boolean;
}

/** A category an admin may choose for rooms on the settings page. */
export interface GuildCategory {
  id: string;
  name: string;
}

export interface GuildServiceOptions {
  homeGuildId: string | undefined;
  registry: GuildRegistry;
  settings: GuildSettingsStore;
  access: GuildAccess;
  /** The user's own list of servers (the OAuth `guilds` scope): the lobby's one call per user. */
  userGuilds: Pick<UserGuilds, 'list' | 'forget'>;
  rest: DiscordRestClient;
  /** Defaults for a server nobody has set up, and Discord's limits a reserve must leave room under. */
  defaults: { reserveChannels: number; reserveRoles: number; homeCategoryId: string | undefined; channelsPerGuild: number; rolesPerGuild: number };
  /** How many more rooms fit in a guild (per-guild placement). */
  capacityOf(guildId: string): Promise<GuildCapacityStatus>;
  /** After a change is stored: the reserve and category apply from the next room on. */
  onSettingsChanged?(guildId: string, settings: GuildSettings): Promise<void>;
  log: Logger;
}

const CATEGORY = 4;

/**
 * The servers part (issue 17): which servers the bot is in (registry), what their admins set
 * (settings), and who may do what there (access). Rooms ask it before creating a room in a server.
 */
export class GuildService {
  readonly #o: GuildServiceOptions;

  constructor(options: GuildServiceOptions) {
    this.#o = options;
  }

  get homeGuildId(): string | undefined {
    return this.#o.homeGuildId;
  }

  async settingsOf(guildId: string): Promise<GuildSettings> {
    return settingsWithDefaults(this.#o.settings, guildId, { homeGuildId: this.#o.homeGuildId, ...this.#o.defaults });
  }

  /** GET /api/guilds/:id/settings: admins only (403 otherwise), 404 for a server the bot is not in. */
  async settingsFor(userId: string, guildId: string): Promise<{ guild: KnownGuild; settings: GuildSettings }> {
    const guild = await this.#known(guildId, 'not_found');
    await this.#assertAdmin(guildId, userId);
    return { guild, settings: await this.settingsOf(guildId) };
  }

  /** The settings page: what settingsFor answers, plus the server's categories to choose from. */
  async settingsPage(userId: string, guildId: string): Promise<{ guild: KnownGuild; settings: GuildSettings; categories: GuildCategory[] }> {
    const { guild, settings } = await this.settingsFor(userId, guildId);
    const channels = await this.#o.rest.getGuildChannels(guildId);
    const categories = channels
      .filter((c) => c.type === CATEGORY)
      .map((c) => ({ id: c.id, name: c.name ?? c.id }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { guild, settings, categories };
  }

  /**
   * The names of these servers (the lobby's headings over a user's rooms), by id: only those asked
   * for, so a user learns no other server's name (servers the bot is in are not everyone's business).
   */
  async names(ids: Iterable<string>): Promise<Record<string, string>> {
    const wanted = new Set(ids);
    return Object.fromEntries((await this.#o.registry.list()).filter((g) => wanted.has(g.id)).map((g) => [g.id, g.name]));
  }

  /** PUT /api/guilds/:id/settings: validated whole (400 names each field), admins only; nothing changes on a refusal. */
  async updateSettings(userId: string, guildId: string, raw: unknown): Promise<GuildSettings> {
    const parsed = GuildSettingsUpdateSchema.safeParse(raw);
    if (!parsed.success) throw validationError(parsed.error, 'Some settings are not valid.');
    await this.#known(guildId, 'not_found');
    await this.#assertAdmin(guildId, userId);
    const next = applyUpdate(await this.settingsOf(guildId), parsed.data);
    const { channelsPerGuild, rolesPerGuild } = this.#o.defaults;
    // A reserve that leaves not even one room (a channel, plus one for a category, and a role).
    if (next.reserve.channels + 2 > channelsPerGuild) throw fieldError('reserve.channels', `At most ${channelsPerGuild - 2} channels can be kept free.`);
    if (next.reserve.roles + 1 > rolesPerGuild) throw fieldError('reserve.roles', `At most ${rolesPerGuild - 1} roles can be kept free.`);
    if (parsed.data.categoryId) {
      const channels = await this.#o.rest.getGuildChannels(guildId);
      if (!channels.some((c) => c.id === parsed.data.categoryId && c.type === CATEGORY)) throw fieldError('categoryId', 'That is not a category of this server.');
    }
    await this.#o.settings.put(guildId, next);
    await this.#o.onSettingsChanged?.(guildId, next);
    this.#o.log.info({ guildId, userId, settings: next }, 'server settings changed');
    return next;
  }

  /**
   * Before a room is made in `guildId` (default: the home server): 400 for a server the bot is not
   * in, 403 when the user is not a member or rooms are off there. The server's settings on success.
   */
  async assertCanCreate(userId: string, rawGuildId: string | undefined): Promise<{ guildId: string; settings: GuildSettings }> {
    const guildId = rawGuildId ?? this.#o.homeGuildId;
    if (guildId === undefined) throw fieldError('guildId', 'Choose a server for the room.');
    await this.#known(guildId, 'validation');
    const settings = await this.settingsOf(guildId);
    if (!settings.roomsEnabled) throw new AppError('forbidden', 'Rooms are turned off on this server.', { reason: 'rooms_off' });
    const { member } = await this.#o.access.membership(guildId, userId);
    if (!member) throw new AppError('forbidden', 'You are not a member of this server.', { reason: 'not_a_member' });
    return { guildId, settings };
  }

  /**
   * Before someone takes a seat in a room of `guildId`: a member needs nothing (null). Anyone else
   * is told to join on Discord first (403 `join_server_first`) unless the server's admins allow
   * adding invitees; then the answer is the step that adds them with `guilds.join` (their sign-in's
   * access token), for the caller to take once the seat is theirs: nobody is added to a server for
   * a seat they then do not get. Discord's 100-servers cap (30001) is a clear 409 from that step.
   */
  async admission(user: { userId: string; accessToken: string }, guildId: string): Promise<(() => Promise<void>) | null> {
    if ((await this.#o.access.membership(guildId, user.userId)).member) return null;
    const name = (await this.#o.registry.get(guildId))?.name || 'this server';
    if (!(await this.settingsOf(guildId)).addInvitees) {
      throw new AppError('forbidden', `Join ${name} on Discord first, then open this link again.`, { reason: 'join_server_first' });
    }
    return () => this.#join(user, guildId, name);
  }

  async #join(user: { userId: string; accessToken: string }, guildId: string, name: string): Promise<void> {
    try {
      await this.#o.rest.addGuildMember(guildId, user.userId, { accessToken: user.accessToken }, { auditLogReason: 'Joined a Spell Rooms room' });
    } catch (error) {
      if (error instanceof DiscordApiError && error.code === DiscordErrorCodes.MaximumNumberOfGuildsReached) {
        throw new AppError('conflict', `Discord lets an account be in at most 100 servers, and yours is. Leave one, then open this link again to join ${name}.`, { reason: 'too_many_servers', cause: error });
      }
      throw error;
    }
    this.#o.access.forget(guildId, user.userId);
    this.#o.userGuilds.forget(user.userId);
    this.#o.log.info({ guildId, userId: user.userId }, 'added an invitee to a server (guilds.join)');
  }

  /**
   * A Discord invite to the server for someone who must join it first (join_server_first): to its
   * first text channel (else its first voice channel), 24 h, reused while it lasts. The bot needs
   * Create Instant Invite there (it is in the install link's permissions).
   */
  async joinLink(guildId: string, inviteBase: string): Promise<{ name: string; url: string } | null> {
    const guild = await this.#o.registry.get(guildId);
    if (!guild) return null;
    const channels = await this.#o.rest.getGuildChannels(guildId);
    const target = channels.find((c) => c.type === 0) ?? channels.find((c) => c.type === 2);
    if (!target) return { name: guild.name, url: '' };
    const invite = await this.#o.rest.createChannelInvite(target.id, { maxAgeSeconds: 86_400, maxUses: 0, unique: false }, { auditLogReason: 'Spell Rooms: an invitee must join the server first' });
    return { name: guild.name, url: `${inviteBase}/${invite.code}` };
  }

  /**
   * The servers the user is in where rooms are on (or which the user may manage), home first, then
   * oldest first: the user's own list (one paged `GET /users/@me/guilds`, cached per user) met with
   * the bot's registry. A sign-in from before the `guilds` scope (Discord's 401) or Discord failing
   * to answer falls back to the home server, from the bot's member lookup.
   */
  async listForUser(user: { userId: string; accessToken: string }): Promise<UserServers> {
    const home = this.#o.homeGuildId;
    let listed: UserGuildList | 'failed';
    try {
      listed = await this.#o.userGuilds.list(user);
    } catch (error) {
      this.#o.log.warn({ err: error, userId: user.userId }, 'could not list the user’s servers; showing the home server only');
      listed = 'failed';
    }
    if (typeof listed === 'string') return { guilds: await this.#homeOnly(user.userId), signInAgain: listed === 'no_scope' };
    const known = (await this.#o.registry.list()).filter((g) => listed.has(g.id)).sort((a, b) => Number(b.id === home) - Number(a.id === home));
    const out: UserServer[] = [];
    for (const guild of known) {
      const entry = await this.#entry(guild, listed.get(guild.id)?.canManage ?? false);
      if (entry) out.push(entry);
    }
    return { guilds: out, signInAgain: false };
  }

  async #homeOnly(userId: string): Promise<UserServer[]> {
    const home = this.#o.homeGuildId === undefined ? null : await this.#o.registry.get(this.#o.homeGuildId);
    if (!home) return [];
    const access = await this.#o.access.membership(home.id, userId).catch((error: unknown) => {
      this.#o.log.warn({ err: error, guildId: home.id }, 'could not look up a member; leaving the server out');
      return { member: false, admin: false };
    });
    const entry = access.member ? await this.#entry(home, access.admin) : null;
    return entry ? [entry] : [];
  }

  /** One server as the user sees it, or null when rooms are off there and the user may not manage it. */
  async #entry(guild: KnownGuild, canManage: boolean): Promise<UserServer | null> {
    const settings = await this.settingsOf(guild.id);
    if (!settings.roomsEnabled && !canManage) return null;
    const capacity = settings.roomsEnabled && guild.available ? await this.#capacity(guild.id) : null;
    return {
      id: guild.id,
      name: guild.name,
      home: guild.id === this.#o.homeGuildId,
      canCreateRooms: settings.roomsEnabled && guild.available && (capacity?.roomsAvailable ?? 0) > 0,
      roomsEnabled: settings.roomsEnabled,
      canManage,
      capacity,
    };
  }

  async #capacity(guildId: string): Promise<{ roomsAvailable: number; roomsInUse: number } | null> {
    try {
      const { roomsAvailable, roomsInUse } = await this.#o.capacityOf(guildId);
      return { roomsAvailable, roomsInUse };
    } catch (error) {
      this.#o.log.warn({ err: error, guildId }, 'could not count a server’s capacity');
      return null;
    }
  }

  async #known(guildId: string, kind: 'not_found' | 'validation'): Promise<KnownGuild> {
    const guild = /^\d{17,20}$/.test(guildId) ? await this.#o.registry.get(guildId) : null;
    if (guild) return guild;
    if (kind === 'validation') throw fieldError('guildId', 'The bot is not in that server.');
    throw new AppError('not_found', 'The bot is not in that server.');
  }

  async #assertAdmin(guildId: string, userId: string): Promise<void> {
    const { admin } = await this.#o.access.membership(guildId, userId);
    if (!admin) throw new AppError('forbidden', 'Only the server’s admins (Manage Server) can change its settings.', { reason: 'not_an_admin' });
  }
}

function fieldError(field: string, message: string): AppError {
  return new AppError('validation', message, { fields: { [field]: [message] } });
}
