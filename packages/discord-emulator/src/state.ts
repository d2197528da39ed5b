import { createHash } from 'node:crypto';
import {
  ChannelType,
  GatewayDispatchEvents,
  type APIGuildMember,
  type APIOverwrite,
  type APIRole,
  type APIUser,
  type APIVoiceState,
  type GatewayGuildCreateDispatchData,
  type RoleFlags,
  type UserFlags,
} from 'discord-api-types/v10';
import { DISCORD_LIMITS, type ResourceLimits } from './discord-limits.ts';
import { categoryFull, maxGuildChannels, maxGuildRoles, unknownChannel, unknownGuild, unknownMember, unknownRole, unknownUser } from './errors.ts';
import { OAuthStore } from './oauth-store.ts';
import {
  channelPayload,
  guildPayload,
  isVoiceType,
  memberPayload,
  voiceStatePayload,
  type ChannelRecord,
  type GuildChannelPayload,
  type GuildPayload,
  type GuildRecord,
  type MemberRecord,
  type ModeledChannelType,
  type VoiceStateRecord,
} from './payloads.ts';
import { BOT_ROLE_PERMISSIONS, EVERYONE_DEFAULT_PERMISSIONS, basePermissions, channelPermissions, type PermissionGuild } from './permissions.ts';
import {
  DEFAULT_BOT_USERNAME,
  DEFAULT_CATEGORY_NAME,
  DEFAULT_GUILD_NAME,
  DEFAULT_USERS,
  OWNER_USER,
  type EmulatorSeed,
  type SeedUser,
} from './seed.ts';
import { SnowflakeFactory } from './snowflake.ts';

export type { ChannelRecord, GuildRecord, MemberRecord, VoiceStateRecord, ModeledChannelType } from './payloads.ts';

/** One Gateway dispatch produced by a state change; `guildId` routes it to sessions that see the guild. */
export interface DispatchRecord {
  guildId: string | null;
  t: GatewayDispatchEvents;
  d: unknown;
}

/** A 429 the REST layer sent, kept so tests and the bench can count them. */
export interface RateLimitHit {
  atMs: number;
  method: string;
  route: string;
  bucket: string;
  scope: 'user' | 'global' | 'shared';
  /** True when the 429 came from a `rest.status` fault rather than a real bucket. */
  injected: boolean;
}

export interface EmulatorStateOptions {
  seed?: EmulatorSeed;
  /** Generated members user0001… for load tests. */
  extraUsers?: number;
  /** Access-token lifetime (default 604 800 s = 7 days, Discord's). */
  tokenTtlSeconds?: number;
  now?: () => number;
  /** Channels per category and per guild, roles per guild (default Discord's: 50, 500, 250). */
  resourceLimits?: ResourceLimits;
  /** Told when a dispatch listener throws (the mutation itself still succeeds). */
  onListenerError?: (error: unknown) => void;
}

export interface ChannelInput {
  name: string;
  type: ModeledChannelType;
  parentId?: string | null;
  position?: number;
  overwrites?: APIOverwrite[];
  topic?: string | null;
  nsfw?: boolean;
  bitrate?: number;
  userLimit?: number;
  rateLimitPerUser?: number;
  rtcRegion?: string | null;
}

export type ChannelPatch = Partial<Omit<ChannelInput, 'type'>>;

export interface RoleInput {
  name?: string;
  permissions?: bigint;
  color?: number;
  hoist?: boolean;
  mentionable?: boolean;
}

export interface MemberPatch {
  nick?: string | null;
  roles?: string[];
  mute?: boolean;
  deaf?: boolean;
}

/** Fields a voice update may change; `channelId: null` disconnects, undefined keeps the channel. */
export interface VoicePatch {
  channelId?: string | null;
  selfMute?: boolean;
  selfDeaf?: boolean;
  selfStream?: boolean;
  selfVideo?: boolean;
  mute?: boolean;
  deaf?: boolean;
}

interface AppRecord {
  id: string;
  botUserId: string;
  botToken: string;
  clientSecret: string;
  /** ApplicationFlags: GatewayGuildMembersLimited | GatewayPresenceLimited, like a small verified-free bot. */
  flags: number;
  /** The developer who owns the application: the seeded guild owner. */
  ownerUserId: string;
}

const DEFAULT_TOKEN_TTL_S = 604_800;
const APPLICATION_FLAGS = (1 << 15) | (1 << 13);

/**
 * The emulator's in-memory truth. REST handlers and the control API mutate it; every mutation
 * emits the Gateway dispatches Discord would send, synchronously and in mutation order, through
 * `onDispatch`. Lookups that miss throw Discord's own errors (Unknown Channel, …) so handlers stay
 * straight lines.
 */
export class EmulatorState {
  readonly now: () => number;
  readonly oauth: OAuthStore;
  /** Enforced on every channel and role mutation, REST or not; the seed itself is exempt. */
  readonly resourceLimits: ResourceLimits;
  /** 429s sent by the REST layer since the last reset. */
  readonly rateLimitHits: RateLimitHit[] = [];
  /** Requests served per route template (`GET /guilds/:id/channels`) since the last reset. */
  readonly requestCounts = new Map<string, number>();

  readonly #options: EmulatorStateOptions;
  readonly #listeners = new Set<(rec: DispatchRecord) => void>();
  #ids = new SnowflakeFactory();
  #users = new Map<string, APIUser>();
  #userIdsByName = new Map<string, string>();
  #guilds = new Map<string, GuildRecord>();
  #channelGuild = new Map<string, string>();
  #app!: AppRecord;
  #voiceSessions = 0;
  #seedUserIds: string[] = [];

  constructor(options: EmulatorStateOptions = {}) {
    this.#options = options;
    this.now = options.now ?? Date.now;
    this.resourceLimits = options.resourceLimits ?? {
      channelsPerCategory: DISCORD_LIMITS.channelsPerCategory,
      channelsPerGuild: DISCORD_LIMITS.channelsPerGuild,
      rolesPerGuild: DISCORD_LIMITS.rolesPerGuild,
    };
    this.oauth = new OAuthStore(this.now, options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_S);
    this.#build();
  }

  // ---------------------------------------------------------------- the gateway's interface

  onDispatch(listener: (rec: DispatchRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  guildIds(): string[] {
    return [...this.#guilds.keys()];
  }

  botUser(): APIUser {
    return { ...this.#userOrThrow(this.#app.botUserId) };
  }

  application(): { id: string; flags: number; ownerUserId: string } {
    return { id: this.#app.id, flags: this.#app.flags, ownerUserId: this.#app.ownerUserId };
  }

  isValidBotToken(token: string): boolean {
    return token === this.#app.botToken;
  }

  guildCreatePayload(guildId: string): GatewayGuildCreateDispatchData {
    const g = this.guild(guildId);
    const members: APIGuildMember[] = [];
    for (const m of g.members.values()) members.push(memberPayload(m, this.#userOrThrow(m.userId)));
    return {
      ...guildPayload(g),
      joined_at: g.joinedAt,
      large: false,
      unavailable: false,
      member_count: g.members.size,
      voice_states: [...g.voice.values()].map((vs) => {
        const { guild_id: _omitted, ...rest } = this.#voicePayload(g, vs);
        return rest;
      }),
      members,
      channels: [...g.channels.values()].map(channelPayload),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  // ---------------------------------------------------------------- credentials & users

  get credentials(): { botToken: string; clientId: string; clientSecret: string } {
    return { botToken: this.#app.botToken, clientId: this.#app.id, clientSecret: this.#app.clientSecret };
  }

  /** The first (default) guild. */
  get defaultGuildId(): string {
    const first = this.#guilds.keys().next();
    if (first.done) throw new Error('emulator state has no guild');
    return first.value;
  }

  user(userId: string): APIUser {
    return { ...this.#userOrThrow(userId) };
  }

  users(): APIUser[] {
    return [...this.#users.values()].map((u) => ({ ...u }));
  }

  /** The named test users from the seed (alice … heidi by default), in seed order: the authorize page lists these. */
  seedUsers(): APIUser[] {
    return this.#seedUserIds.map((id) => this.user(id));
  }

  /** Finds a user by id or username (the control API and authorize page accept either). */
  findUser(idOrName: string): APIUser | undefined {
    const id = this.#users.has(idOrName) ? idOrName : this.#userIdsByName.get(idOrName.toLowerCase());
    const user = id === undefined ? undefined : this.#users.get(id);
    return user ? { ...user } : undefined;
  }

  /** Adds a user (not a guild member unless `member` is true). Emits GUILD_MEMBER_ADD for members. */
  createUser(input: SeedUser): APIUser {
    const username = input.username.toLowerCase();
    if (this.#userIdsByName.has(username)) throw new Error(`username "${username}" is taken`);
    const user = this.#addUser({ ...input, username }, false);
    if (input.member ?? false) {
      for (const guildId of this.#guilds.keys()) this.addMember(guildId, user.id);
    }
    return { ...user };
  }

  // ---------------------------------------------------------------- guild reads

  guild(guildId: string): GuildRecord {
    const g = this.#guilds.get(guildId);
    if (!g) throw unknownGuild();
    return g;
  }

  guildPayload(guildId: string): GuildPayload {
    return guildPayload(this.guild(guildId));
  }

  channel(channelId: string): ChannelRecord {
    const guildId = this.#channelGuild.get(channelId);
    const ch = guildId === undefined ? undefined : this.#guilds.get(guildId)?.channels.get(channelId);
    if (!ch) throw unknownChannel();
    return ch;
  }

  channelPayload(channelId: string): GuildChannelPayload {
    return channelPayload(this.channel(channelId));
  }

  channels(guildId: string): GuildChannelPayload[] {
    return [...this.guild(guildId).channels.values()].map(channelPayload);
  }

  role(guildId: string, roleId: string): APIRole {
    const role = this.guild(guildId).roles.get(roleId);
    if (!role) throw unknownRole();
    return { ...role };
  }

  roles(guildId: string): APIRole[] {
    return [...this.guild(guildId).roles.values()].map((r) => ({ ...r }));
  }

  member(guildId: string, userId: string): MemberRecord {
    const m = this.guild(guildId).members.get(userId);
    if (!m) throw unknownMember();
    return m;
  }

  isMember(guildId: string, userId: string): boolean {
    return this.guild(guildId).members.has(userId);
  }

  memberPayload(guildId: string, userId: string): APIGuildMember {
    return memberPayload(this.member(guildId, userId), this.#userOrThrow(userId));
  }

  /** Members ordered by user id (as Discord pages them), after `after`, at most `limit`. */
  members(guildId: string, limit: number, after = '0'): APIGuildMember[] {
    const g = this.guild(guildId);
    const ids = [...g.members.keys()].filter((id) => compareSnowflakes(id, after) > 0);
    ids.sort(compareSnowflakes);
    return ids.slice(0, limit).map((id) => this.memberPayload(guildId, id));
  }

  voiceState(guildId: string, userId: string): VoiceStateRecord | undefined {
    return this.guild(guildId).voice.get(userId);
  }

  voiceStates(guildId: string): Array<APIVoiceState & { member: APIGuildMember }> {
    const g = this.guild(guildId);
    return [...g.voice.values()].map((vs) => this.#voicePayload(g, vs));
  }

  /** Guild-level permissions of a member. */
  memberPermissions(guildId: string, userId: string): bigint {
    const g = this.guild(guildId);
    return basePermissions(permissionGuild(g), { userId, roleIds: this.member(guildId, userId).roles });
  }

  /** A member's permissions in a channel, overwrites applied. */
  channelPermissions(channelId: string, userId: string): bigint {
    const ch = this.channel(channelId);
    const g = this.guild(ch.guildId);
    const member = this.member(ch.guildId, userId);
    return channelPermissions(permissionGuild(g), { userId, roleIds: member.roles }, ch.overwrites);
  }

  /** Position of the member's highest role (0 = only @everyone); owners outrank everyone. */
  highestRolePosition(guildId: string, userId: string): number {
    const g = this.guild(guildId);
    if (g.ownerId === userId) return Number.POSITIVE_INFINITY;
    let top = 0;
    for (const roleId of this.member(guildId, userId).roles) top = Math.max(top, g.roles.get(roleId)?.position ?? 0);
    return top;
  }

  // ---------------------------------------------------------------- channel mutations

  /** Throws Discord's errors for a full category (400 50035 on parent_id) or a full guild (400 30013). */
  createChannel(guildId: string, input: ChannelInput): ChannelRecord {
    const g = this.guild(guildId);
    const parentId = input.type === ChannelType.GuildCategory ? null : (input.parentId ?? null);
    if (parentId !== null) this.#requireRoomInCategory(g, parentId);
    if (g.channels.size >= this.resourceLimits.channelsPerGuild) throw maxGuildChannels(this.resourceLimits.channelsPerGuild);
    const siblings = [...g.channels.values()].filter((c) => sortGroup(c.type) === sortGroup(input.type));
    const ch: ChannelRecord = {
      id: this.#ids.next(),
      guildId,
      type: input.type,
      name: input.name,
      position: input.position ?? siblings.reduce((max, c) => Math.max(max, c.position + 1), 0),
      parentId,
      overwrites: (input.overwrites ?? []).map((o) => ({ ...o })),
      topic: input.topic ?? null,
      nsfw: input.nsfw ?? false,
      bitrate: input.bitrate ?? 64_000,
      userLimit: input.userLimit ?? 0,
      rateLimitPerUser: input.rateLimitPerUser ?? 0,
      rtcRegion: input.rtcRegion ?? null,
    };
    g.channels.set(ch.id, ch);
    this.#channelGuild.set(ch.id, guildId);
    this.#emit(guildId, GatewayDispatchEvents.ChannelCreate, channelPayload(ch));
    return ch;
  }

  /** Moving a channel into another full category throws 400 50035; staying in its own category never does. */
  updateChannel(channelId: string, patch: ChannelPatch): ChannelRecord {
    const ch = this.channel(channelId);
    const target = patch.parentId;
    if (target != null && target !== ch.parentId && ch.type !== ChannelType.GuildCategory) {
      this.#requireRoomInCategory(this.guild(ch.guildId), target);
    }
    if (patch.name !== undefined) ch.name = patch.name;
    if (patch.position !== undefined) ch.position = patch.position;
    if (patch.parentId !== undefined && ch.type !== ChannelType.GuildCategory) ch.parentId = patch.parentId;
    if (patch.overwrites !== undefined) ch.overwrites = patch.overwrites.map((o) => ({ ...o }));
    if (patch.topic !== undefined) ch.topic = patch.topic;
    if (patch.nsfw !== undefined) ch.nsfw = patch.nsfw;
    if (patch.bitrate !== undefined) ch.bitrate = patch.bitrate;
    if (patch.userLimit !== undefined) ch.userLimit = patch.userLimit;
    if (patch.rateLimitPerUser !== undefined) ch.rateLimitPerUser = patch.rateLimitPerUser;
    if (patch.rtcRegion !== undefined) ch.rtcRegion = patch.rtcRegion;
    this.#emit(ch.guildId, GatewayDispatchEvents.ChannelUpdate, channelPayload(ch));
    return ch;
  }

  /**
   * Deletes a channel. Discord sends CHANNEL_DELETE first, then disconnects whoever was in it
   * (VOICE_STATE_UPDATE with channel_id null); a deleted category's children move to the top
   * level (CHANNEL_UPDATE with parent_id null).
   */
  deleteChannel(channelId: string): GuildChannelPayload {
    const ch = this.channel(channelId);
    const g = this.guild(ch.guildId);
    const payload = channelPayload(ch);
    g.channels.delete(ch.id);
    this.#channelGuild.delete(ch.id);
    if (g.systemChannelId === ch.id) g.systemChannelId = null;
    this.#emit(g.id, GatewayDispatchEvents.ChannelDelete, payload);
    for (const vs of [...g.voice.values()]) {
      if (vs.channelId === ch.id) this.setVoiceState(g.id, vs.userId, { channelId: null });
    }
    if (ch.type === ChannelType.GuildCategory) {
      for (const child of g.channels.values()) {
        if (child.parentId === ch.id) this.updateChannel(child.id, { parentId: null });
      }
    }
    return payload;
  }

  // ---------------------------------------------------------------- role mutations

  /** New roles land at position 1, just above @everyone, pushing the others up (as Discord does). */
  /** Throws 400 30005 when the guild already has `rolesPerGuild` roles (@everyone and managed roles count). */
  createRole(guildId: string, input: RoleInput): APIRole {
    const g = this.guild(guildId);
    if (g.roles.size >= this.resourceLimits.rolesPerGuild) throw maxGuildRoles(this.resourceLimits.rolesPerGuild);
    for (const r of g.roles.values()) if (r.id !== guildId) r.position += 1;
    const role = this.#newRole(guildId, {
      name: input.name ?? 'new role',
      permissions: input.permissions ?? EVERYONE_DEFAULT_PERMISSIONS,
      color: input.color ?? 0,
      hoist: input.hoist ?? false,
      mentionable: input.mentionable ?? false,
      position: 1,
    });
    g.roles.set(role.id, role);
    this.#emit(guildId, GatewayDispatchEvents.GuildRoleCreate, { guild_id: guildId, role: { ...role } });
    return { ...role };
  }

  updateRole(guildId: string, roleId: string, patch: RoleInput): APIRole {
    const g = this.guild(guildId);
    const role = g.roles.get(roleId);
    if (!role) throw unknownRole();
    if (patch.name !== undefined) role.name = patch.name;
    if (patch.permissions !== undefined) role.permissions = patch.permissions.toString();
    if (patch.color !== undefined) {
      role.color = patch.color;
      role.colors = { primary_color: patch.color, secondary_color: null, tertiary_color: null };
    }
    if (patch.hoist !== undefined) role.hoist = patch.hoist;
    if (patch.mentionable !== undefined) role.mentionable = patch.mentionable;
    this.#emit(guildId, GatewayDispatchEvents.GuildRoleUpdate, { guild_id: guildId, role: { ...role } });
    return { ...role };
  }

  /** Members silently lose the role (Discord sends only GUILD_ROLE_DELETE; clients prune it). */
  deleteRole(guildId: string, roleId: string): void {
    const g = this.guild(guildId);
    const role = g.roles.get(roleId);
    if (!role) throw unknownRole();
    g.roles.delete(roleId);
    for (const r of g.roles.values()) if (r.position > role.position) r.position -= 1;
    for (const m of g.members.values()) {
      const at = m.roles.indexOf(roleId);
      if (at >= 0) m.roles.splice(at, 1);
    }
    for (const ch of g.channels.values()) ch.overwrites = ch.overwrites.filter((o) => o.id !== roleId);
    this.#emit(guildId, GatewayDispatchEvents.GuildRoleDelete, { guild_id: guildId, role_id: roleId });
  }

  // ---------------------------------------------------------------- member mutations

  addMember(guildId: string, userId: string, init: MemberPatch = {}): MemberRecord {
    const g = this.guild(guildId);
    const user = this.#userOrThrow(userId);
    const existing = g.members.get(userId);
    if (existing) return existing;
    const member: MemberRecord = {
      userId,
      nick: init.nick ?? null,
      roles: [...(init.roles ?? [])],
      joinedAt: new Date(this.now()).toISOString(),
      mute: init.mute ?? false,
      deaf: init.deaf ?? false,
    };
    g.members.set(userId, member);
    this.#emit(guildId, GatewayDispatchEvents.GuildMemberAdd, { ...memberPayload(member, user), guild_id: guildId });
    return member;
  }

  /** Applies nick/roles/mute/deaf; emits GUILD_MEMBER_UPDATE, and VOICE_STATE_UPDATE if a voice flag changed while connected. */
  updateMember(guildId: string, userId: string, patch: MemberPatch): MemberRecord {
    const g = this.guild(guildId);
    const member = this.member(guildId, userId);
    for (const roleId of patch.roles ?? []) if (!g.roles.has(roleId)) throw unknownRole();
    const voiceChanged =
      (patch.mute !== undefined && patch.mute !== member.mute) || (patch.deaf !== undefined && patch.deaf !== member.deaf);
    if (patch.nick !== undefined) member.nick = patch.nick;
    if (patch.roles !== undefined) member.roles = [...new Set(patch.roles.filter((id) => id !== guildId))];
    if (patch.mute !== undefined) member.mute = patch.mute;
    if (patch.deaf !== undefined) member.deaf = patch.deaf;
    this.#emitMemberUpdate(g, member);
    const vs = g.voice.get(userId);
    if (voiceChanged && vs) this.#emit(guildId, GatewayDispatchEvents.VoiceStateUpdate, this.#voicePayload(g, vs));
    return member;
  }

  /** Kicks (or the user leaves): voice is disconnected first, then GUILD_MEMBER_REMOVE. */
  removeMember(guildId: string, userId: string): void {
    const g = this.guild(guildId);
    this.member(guildId, userId);
    if (g.voice.has(userId)) this.setVoiceState(guildId, userId, { channelId: null });
    g.members.delete(userId);
    this.#emit(guildId, GatewayDispatchEvents.GuildMemberRemove, { guild_id: guildId, user: this.user(userId) });
  }

  // ---------------------------------------------------------------- voice

  /**
   * Joins, moves, leaves, or changes mute/deaf/stream flags. Permission and capacity checks are
   * the caller's job (the control API checks visibility, REST checks MOVE_MEMBERS): state only
   * records what happened. Returns the new state, or null when the user is not connected.
   * Server mute/deaf live on the member, so they also emit GUILD_MEMBER_UPDATE.
   */
  setVoiceState(guildId: string, userId: string, patch: VoicePatch): VoiceStateRecord | null {
    const g = this.guild(guildId);
    const member = this.member(guildId, userId);
    if (patch.channelId) {
      const target = this.channel(patch.channelId);
      if (target.guildId !== guildId || !isVoiceType(target.type)) throw unknownChannel();
    }
    const current = g.voice.get(userId);

    const memberChanged =
      (patch.mute !== undefined && patch.mute !== member.mute) || (patch.deaf !== undefined && patch.deaf !== member.deaf);
    if (patch.mute !== undefined) member.mute = patch.mute;
    if (patch.deaf !== undefined) member.deaf = patch.deaf;
    if (memberChanged) this.#emitMemberUpdate(g, member);

    if (patch.channelId === null || (patch.channelId === undefined && !current)) {
      if (!current) return null;
      g.voice.delete(userId);
      this.#emit(guildId, GatewayDispatchEvents.VoiceStateUpdate, this.#voicePayload(g, { ...current, channelId: null }));
      return null;
    }

    const next: VoiceStateRecord = current
      ? { ...current }
      : {
          userId,
          channelId: patch.channelId ?? '',
          sessionId: this.#nextVoiceSessionId(userId),
          selfMute: false,
          selfDeaf: false,
          selfStream: false,
          selfVideo: false,
          suppress: false,
        };
    if (patch.channelId !== undefined) next.channelId = patch.channelId;
    if (patch.selfMute !== undefined) next.selfMute = patch.selfMute;
    if (patch.selfDeaf !== undefined) next.selfDeaf = patch.selfDeaf;
    if (patch.selfStream !== undefined) next.selfStream = patch.selfStream;
    if (patch.selfVideo !== undefined) next.selfVideo = patch.selfVideo;
    // Streams and cameras end when you change channel, as in the Discord client.
    if (current && next.channelId !== current.channelId) {
      if (patch.selfStream === undefined) next.selfStream = false;
      if (patch.selfVideo === undefined) next.selfVideo = false;
    }
    g.voice.set(userId, next);
    this.#emit(guildId, GatewayDispatchEvents.VoiceStateUpdate, this.#voicePayload(g, next));
    return next;
  }

  /** Users connected to a voice channel right now. */
  usersInChannel(channelId: string): string[] {
    const ch = this.channel(channelId);
    const out: string[] = [];
    for (const vs of this.guild(ch.guildId).voice.values()) if (vs.channelId === channelId) out.push(vs.userId);
    return out;
  }

  // ---------------------------------------------------------------- bookkeeping

  recordRateLimitHit(hit: RateLimitHit): void {
    this.rateLimitHits.push(hit);
  }

  countRequest(route: string): void {
    this.requestCounts.set(route, (this.requestCounts.get(route) ?? 0) + 1);
  }

  /** Back to the seed: same ids, same credentials; tokens, 429 records and counters cleared. Emits nothing. */
  reset(): void {
    this.#build();
  }

  // ---------------------------------------------------------------- internals

  #build(): void {
    const seed = this.#options.seed ?? {};
    this.#ids = new SnowflakeFactory();
    this.#users = new Map();
    this.#userIdsByName = new Map();
    this.#guilds = new Map();
    this.#channelGuild = new Map();
    this.#voiceSessions = 0;
    this.#seedUserIds = [];
    this.rateLimitHits.length = 0;
    this.requestCounts.clear();
    this.oauth.clear();

    const bot = this.#addUser({ username: seed.botUsername ?? DEFAULT_BOT_USERNAME, globalName: null }, true);
    const owner = this.#addUser(OWNER_USER, false);
    this.#app = {
      id: bot.id,
      botUserId: bot.id,
      botToken: seed.botToken ?? botTokenFor(bot.id),
      clientSecret: seed.clientSecret ?? createHash('sha256').update(`client-secret:${bot.id}`).digest('base64url').slice(0, 32),
      flags: APPLICATION_FLAGS,
      ownerUserId: owner.id,
    };
    const seedUsers = [...(seed.users ?? DEFAULT_USERS), ...(seed.addUsers ?? [])];
    const memberIds = [owner.id];
    for (const su of seedUsers) {
      const u = this.#addUser({ ...su, username: su.username.toLowerCase() }, false);
      this.#seedUserIds.push(u.id);
      if (su.member ?? true) memberIds.push(u.id);
    }
    const extra = this.#options.extraUsers ?? 0;
    const width = Math.max(4, String(extra).length);
    for (let i = 1; i <= extra; i++) {
      const u = this.#addUser({ username: `user${String(i).padStart(width, '0')}`, globalName: `User ${i}` }, false);
      memberIds.push(u.id);
    }

    for (const name of [seed.guildName ?? DEFAULT_GUILD_NAME, ...(seed.extraGuildNames ?? [])]) {
      this.#seedGuild(name, owner.id, bot.id, memberIds);
    }
  }

  #seedGuild(name: string, ownerId: string, botId: string, memberIds: string[]): void {
    const id = this.#ids.next();
    const joinedAt = new Date(this.now()).toISOString();
    const g: GuildRecord = {
      id,
      name,
      ownerId,
      joinedAt,
      systemChannelId: null,
      roles: new Map(),
      channels: new Map(),
      members: new Map(),
      voice: new Map(),
    };
    this.#guilds.set(id, g);
    const everyone = this.#newRole(id, { name: '@everyone', permissions: EVERYONE_DEFAULT_PERMISSIONS, position: 0 });
    everyone.id = id;
    g.roles.set(id, everyone);
    const botRole = this.#newRole(id, { name: this.#userOrThrow(botId).username, permissions: BOT_ROLE_PERMISSIONS, position: 1 });
    botRole.managed = true;
    botRole.tags = { bot_id: botId };
    g.roles.set(botRole.id, botRole);

    // Seeding happens before anyone can listen, so the direct inserts below emit nothing.
    const addChannel = (type: ModeledChannelType, chName: string, position: number, parentId: string | null): ChannelRecord => {
      const ch: ChannelRecord = {
        id: this.#ids.next(),
        guildId: id,
        type,
        name: chName,
        position,
        parentId,
        overwrites: [],
        topic: null,
        nsfw: false,
        bitrate: 64_000,
        userLimit: 0,
        rateLimitPerUser: 0,
        rtcRegion: null,
      };
      g.channels.set(ch.id, ch);
      this.#channelGuild.set(ch.id, id);
      return ch;
    };
    addChannel(ChannelType.GuildCategory, DEFAULT_CATEGORY_NAME, 0, null);
    g.systemChannelId = addChannel(ChannelType.GuildText, 'general', 0, null).id;
    addChannel(ChannelType.GuildVoice, 'Lounge', 0, null);

    for (const userId of [botId, ...memberIds]) {
      g.members.set(userId, {
        userId,
        nick: null,
        roles: userId === botId ? [botRole.id] : [],
        joinedAt,
        mute: false,
        deaf: false,
      });
    }
  }

  #addUser(input: SeedUser, bot: boolean): APIUser {
    const id = this.#ids.next();
    const user: APIUser = {
      id,
      username: input.username,
      discriminator: bot ? '0001' : '0',
      global_name: input.globalName === undefined ? null : input.globalName,
      avatar: input.avatar === undefined ? avatarHash(input.username) : input.avatar,
      banner: null,
      accent_color: null,
      public_flags: 0 as UserFlags,
      flags: 0 as UserFlags,
      avatar_decoration_data: null,
      // Discord sends null for a user who shows no server tag; strict clients require the key.
      primary_guild: null,
      ...(bot ? { bot: true } : {}),
    };
    this.#users.set(id, user);
    this.#userIdsByName.set(input.username.toLowerCase(), id);
    return user;
  }

  #newRole(
    guildId: string,
    r: { name: string; permissions: bigint; position: number; color?: number; hoist?: boolean; mentionable?: boolean },
  ): APIRole {
    void guildId;
    const color = r.color ?? 0;
    return {
      id: this.#ids.next(),
      name: r.name,
      color,
      colors: { primary_color: color, secondary_color: null, tertiary_color: null },
      hoist: r.hoist ?? false,
      icon: null,
      unicode_emoji: null,
      position: r.position,
      permissions: r.permissions.toString(),
      managed: false,
      mentionable: r.mentionable ?? false,
      flags: 0 as RoleFlags,
    };
  }

  #requireRoomInCategory(g: GuildRecord, categoryId: string): void {
    let children = 0;
    for (const c of g.channels.values()) if (c.parentId === categoryId) children += 1;
    if (children >= this.resourceLimits.channelsPerCategory) throw categoryFull(this.resourceLimits.channelsPerCategory);
  }

  #userOrThrow(userId: string): APIUser {
    const u = this.#users.get(userId);
    if (!u) throw unknownUser();
    return u;
  }

  #voicePayload(g: GuildRecord, vs: Omit<VoiceStateRecord, 'channelId'> & { channelId: string | null }) {
    const member = g.members.get(vs.userId);
    if (!member) throw unknownMember();
    return voiceStatePayload(g.id, vs, member, this.#userOrThrow(vs.userId));
  }

  #emitMemberUpdate(g: GuildRecord, member: MemberRecord): void {
    const { user, ...rest } = memberPayload(member, this.#userOrThrow(member.userId));
    this.#emit(g.id, GatewayDispatchEvents.GuildMemberUpdate, { guild_id: g.id, user, ...rest });
  }

  #nextVoiceSessionId(userId: string): string {
    this.#voiceSessions += 1;
    return createHash('md5').update(`voice:${userId}:${this.#voiceSessions}`).digest('hex');
  }

  #emit(guildId: string | null, t: GatewayDispatchEvents, d: unknown): void {
    const rec: DispatchRecord = { guildId, t, d };
    for (const listener of this.#listeners) {
      try {
        listener(rec);
      } catch (error) {
        this.#options.onListenerError?.(error);
      }
    }
  }
}

function permissionGuild(g: GuildRecord): PermissionGuild {
  return {
    id: g.id,
    ownerId: g.ownerId,
    rolePermissions: (roleId) => {
      const role = g.roles.get(roleId);
      return role ? BigInt(role.permissions) : undefined;
    },
  };
}

/** Numeric order of decimal snowflakes without BigInt: shorter is smaller, then lexical. */
function compareSnowflakes(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Discord sorts categories, text-like and voice-like channels in separate position sequences. */
function sortGroup(type: ChannelType): number {
  if (type === ChannelType.GuildCategory) return 2;
  return isVoiceType(type) ? 1 : 0;
}

/** A token shaped like Discord's (base64 user id . timestamp . hmac) so libraries that peek at it cope. */
function botTokenFor(botId: string): string {
  const hmac = createHash('sha256').update(`bot-token:${botId}`).digest('base64url').slice(0, 38);
  return `${Buffer.from(botId).toString('base64url')}.ZW11bA.${hmac}`;
}

/** Avatar hashes are 32 hex characters; derive them from the username so they are stable. */
function avatarHash(username: string): string {
  return createHash('md5').update(`avatar:${username}`).digest('hex');
}
