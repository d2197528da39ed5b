import type { APIGuildMember, APIRole, APIUser, APIVoiceState, GatewayDispatchEvents, GatewayGuildCreateDispatchData } from 'discord-api-types/v10';
import { DISCORD_LIMITS, type ResourceLimits } from './discord-limits.ts';
import { OAuthStore } from './oauth-store.ts';
import {
  channelPayload,
  guildPayload,
  type ChannelRecord,
  type GuildChannelPayload,
  type GuildPayload,
  type GuildRecord,
  type MemberRecord,
  type VoiceStateRecord,
} from './payloads.ts';
import { RestTelemetry, type RateLimitHit } from './rest/rest-telemetry.ts';
import { newBotRole, seedWorld, type AppRecord, type EmulatorSeed, type SeedUser } from './seed.ts';
import * as channels from './world/channels.ts';
import * as guilds from './world/guilds.ts';
import * as permissions from './world/member-permissions.ts';
import * as members from './world/members.ts';
import * as roles from './world/roles.ts';
import * as users from './world/users.ts';
import * as voice from './world/voice.ts';
import { World } from './world/world.ts';

export type { ChannelRecord, GuildRecord, MemberRecord, VoiceStateRecord, ModeledChannelType } from './payloads.ts';
export type { RateLimitHit } from './rest/rest-telemetry.ts';
export type { ChannelInput, ChannelPatch } from './world/channels.ts';
export type { MemberPatch } from './world/members.ts';
export type { RoleInput } from './world/roles.ts';
export type { VoicePatch } from './world/voice.ts';

/** One Gateway dispatch produced by a state change; `guildId` routes it to sessions that see the guild. */
export interface DispatchRecord {
  guildId: string | null;
  t: GatewayDispatchEvents;
  d: unknown;
}

export interface EmulatorStateOptions {
  seed?: EmulatorSeed;
  /** Generated users user0001… for load tests, dealt round-robin over the guilds. */
  extraUsers?: number;
  /** How many guilds to seed (default 1); see seed.ts for the layout of the second on. */
  guilds?: number;
  /** Access-token lifetime (default 604 800 s = 7 days, Discord's). */
  tokenTtlSeconds?: number;
  now?: () => number;
  /** Channels per category and per guild, roles per guild (default Discord's: 50, 500, 250). */
  resourceLimits?: ResourceLimits;
  /** Told when a dispatch listener throws (the mutation itself still succeeds). */
  onListenerError?: (error: unknown) => void;
}

const DEFAULT_TOKEN_TTL_S = 604_800;

/**
 * The emulator's in-memory truth, as one object: the world model (`world/`, seeded by `seed.ts`),
 * the OAuth2 grants and the REST telemetry. REST handlers and the control API mutate it; every
 * mutation emits the Gateway dispatches Discord would send, synchronously and in mutation order,
 * through `onDispatch`. Lookups that miss throw Discord's own errors (Unknown Channel, …).
 * Records it returns are live (`guild`, `channel`, `member`, …); users and roles are copies.
 */
export class EmulatorState {
  readonly now: () => number;
  readonly oauth: OAuthStore;
  /** Enforced on every channel and role mutation, REST or not; the seed itself is exempt. */
  readonly resourceLimits: ResourceLimits;
  /** What the REST pipeline sent and served since the last reset; the REST layer records into it. */
  readonly restTelemetry = new RestTelemetry();
  /** 429s sent by the REST layer since the last reset. */
  readonly rateLimitHits: readonly RateLimitHit[] = this.restTelemetry.rateLimitHits;
  /** Requests served per route template (`GET /guilds/:id/channels`) since the last reset. */
  readonly requestCounts: ReadonlyMap<string, number> = this.restTelemetry.requestCounts;

  readonly #options: EmulatorStateOptions;
  readonly #listeners = new Set<(rec: DispatchRecord) => void>();
  // Listeners outlive resets: the Gateway subscribes once, and a reset world dispatches to it too.
  readonly #emit = (guildId: string | null, t: GatewayDispatchEvents, d: unknown): void => {
    const rec: DispatchRecord = { guildId, t, d };
    for (const listener of this.#listeners) {
      try {
        listener(rec);
      } catch (error) {
        this.#options.onListenerError?.(error);
      }
    }
  };
  #world: World;
  #app: AppRecord;
  #seedUserIds: readonly string[];

  constructor(options: EmulatorStateOptions = {}) {
    this.#options = options;
    this.now = options.now ?? Date.now;
    this.resourceLimits = options.resourceLimits ?? {
      channelsPerCategory: DISCORD_LIMITS.channelsPerCategory,
      channelsPerGuild: DISCORD_LIMITS.channelsPerGuild,
      rolesPerGuild: DISCORD_LIMITS.rolesPerGuild,
    };
    this.oauth = new OAuthStore(this.now, options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_S);
    this.#world = new World(this.now, this.resourceLimits, this.#emit);
    ({ app: this.#app, seedUserIds: this.#seedUserIds } = seedWorld(this.#world, options));
  }

  // ---------------------------------------------------------------- the gateway's interface

  onDispatch(listener: (rec: DispatchRecord) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  guildIds(): string[] {
    return [...this.#world.guilds.keys()];
  }

  botUser(): APIUser {
    return this.user(this.#app.botUserId);
  }

  application(): { id: string; flags: number; ownerUserId: string } {
    return { id: this.#app.id, flags: this.#app.flags, ownerUserId: this.#app.ownerUserId };
  }

  isValidBotToken(token: string): boolean {
    return token === this.#app.botToken;
  }

  guildCreatePayload(guildId: string): GatewayGuildCreateDispatchData {
    return guilds.guildCreatePayload(this.#world, guildId);
  }

  /** The bot is a member of the guild and the guild is not in an outage: its events reach the bot's Gateway. */
  botSeesGuild(guildId: string): boolean {
    return guilds.botSeesGuild(this.#world, guildId, this.#app.botUserId);
  }

  /** Guilds the bot is a member of (available or not), in seed order: READY lists these. */
  botGuildIds(): string[] {
    return this.guildIds().filter((id) => this.isMember(id, this.#app.botUserId));
  }

  isGuildAvailable(guildId: string): boolean {
    return this.guild(guildId).available;
  }

  // ---------------------------------------------------------------- credentials & users

  get credentials(): { botToken: string; clientId: string; clientSecret: string } {
    return { botToken: this.#app.botToken, clientId: this.#app.id, clientSecret: this.#app.clientSecret };
  }

  /** The first (default) guild. */
  get defaultGuildId(): string {
    const first = this.#world.guilds.keys().next();
    if (first.done) throw new Error('emulator state has no guild');
    return first.value;
  }

  user(userId: string): APIUser {
    return { ...this.#world.user(userId) };
  }

  users(): APIUser[] {
    return [...this.#world.users.values()].map((u) => ({ ...u }));
  }

  /** The named test users from the seed (alice … heidi by default), in seed order: the authorize page lists these. */
  seedUsers(): APIUser[] {
    return this.#seedUserIds.map((id) => this.user(id));
  }

  /** Finds a user by id or username (the control API and authorize page accept either). */
  findUser(idOrName: string): APIUser | undefined {
    const user = users.findUser(this.#world, idOrName);
    return user ? { ...user } : undefined;
  }

  /** Adds a user (not a guild member unless `member` is true). Emits GUILD_MEMBER_ADD for members. */
  createUser(input: SeedUser): APIUser {
    return { ...users.createUser(this.#world, input) };
  }

  // ---------------------------------------------------------------- guild reads

  guild(guildId: string): GuildRecord {
    return this.#world.guild(guildId);
  }

  guildPayload(guildId: string): GuildPayload {
    return guildPayload(this.guild(guildId));
  }

  channel(channelId: string): ChannelRecord {
    return this.#world.channel(channelId);
  }

  channelPayload(channelId: string): GuildChannelPayload {
    return channelPayload(this.channel(channelId));
  }

  channels(guildId: string): GuildChannelPayload[] {
    return [...this.guild(guildId).channels.values()].map(channelPayload);
  }

  role(guildId: string, roleId: string): APIRole {
    return { ...this.#world.role(guildId, roleId) };
  }

  roles(guildId: string): APIRole[] {
    return [...this.guild(guildId).roles.values()].map((r) => ({ ...r }));
  }

  member(guildId: string, userId: string): MemberRecord {
    return this.#world.member(guildId, userId);
  }

  isMember(guildId: string, userId: string): boolean {
    return this.guild(guildId).members.has(userId);
  }

  /** How many of the emulated guilds the user is a member of (Discord caps it at 100). */
  guildCountOf(userId: string): number {
    return guilds.guildCountOf(this.#world, userId);
  }

  memberPayload(guildId: string, userId: string): APIGuildMember {
    return members.memberPayloadOf(this.#world, guildId, userId);
  }

  /** Members ordered by user id (as Discord pages them), after `after`, at most `limit`. */
  members(guildId: string, limit: number, after = '0'): APIGuildMember[] {
    return members.pageMembers(this.#world, guildId, limit, after);
  }

  voiceState(guildId: string, userId: string): VoiceStateRecord | undefined {
    return this.guild(guildId).voice.get(userId);
  }

  voiceStates(guildId: string): Array<APIVoiceState & { member: APIGuildMember }> {
    return voice.voiceStatesOf(this.#world, guildId);
  }

  /** Guild-level permissions of a member. */
  memberPermissions(guildId: string, userId: string): bigint {
    return permissions.memberPermissionsOf(this.#world, guildId, userId);
  }

  /** A member's permissions in a channel, overwrites applied. */
  channelPermissions(channelId: string, userId: string): bigint {
    return permissions.channelPermissionsOf(this.#world, channelId, userId);
  }

  /** Position of the member's highest role (0 = only @everyone); owners outrank everyone. */
  highestRolePosition(guildId: string, userId: string): number {
    return permissions.highestRolePosition(this.#world, guildId, userId);
  }

  // ---------------------------------------------------------------- mutations (world/ has the rules)

  createChannel(guildId: string, input: channels.ChannelInput): ChannelRecord {
    return channels.createChannel(this.#world, guildId, input);
  }

  updateChannel(channelId: string, patch: channels.ChannelPatch): ChannelRecord {
    return channels.updateChannel(this.#world, channelId, patch);
  }

  deleteChannel(channelId: string): GuildChannelPayload {
    return channels.deleteChannel(this.#world, channelId);
  }

  createRole(guildId: string, input: roles.RoleInput): APIRole {
    return roles.createRole(this.#world, guildId, input);
  }

  updateRole(guildId: string, roleId: string, patch: roles.RoleInput): APIRole {
    return roles.updateRole(this.#world, guildId, roleId, patch);
  }

  deleteRole(guildId: string, roleId: string): void {
    roles.deleteRole(this.#world, guildId, roleId);
  }

  addMember(guildId: string, userId: string, init: members.MemberPatch = {}): MemberRecord {
    return members.addMember(this.#world, guildId, userId, init);
  }

  updateMember(guildId: string, userId: string, patch: members.MemberPatch): MemberRecord {
    return members.updateMember(this.#world, guildId, userId, patch);
  }

  removeMember(guildId: string, userId: string): void {
    members.removeMember(this.#world, guildId, userId);
  }

  setVoiceState(guildId: string, userId: string, patch: voice.VoicePatch): VoiceStateRecord | null {
    return voice.setVoiceState(this.#world, guildId, userId, patch);
  }

  /** Users connected to a voice channel right now. */
  usersInChannel(channelId: string): string[] {
    return voice.usersInChannel(this.#world, channelId);
  }

  /** Removes the bot from a guild (GUILD_DELETE without `unavailable`) or adds it back (GUILD_CREATE); false if already so. */
  setBotMembership(guildId: string, member: boolean): boolean {
    const botId = this.#app.botUserId;
    return guilds.setBotMembership(this.#world, guildId, botId, member, (position) => newBotRole(this.#world, botId, position));
  }

  /** An outage of one guild (GUILD_DELETE `unavailable: true`) or its end (GUILD_CREATE); false if already so. */
  setGuildAvailability(guildId: string, available: boolean): boolean {
    return guilds.setGuildAvailability(this.#world, guildId, this.#app.botUserId, available);
  }

  // ---------------------------------------------------------------- reset

  /** Back to the seed: same ids, same credentials; tokens, 429 records and counters cleared. Emits nothing. */
  reset(): void {
    this.restTelemetry.clear();
    this.oauth.clear();
    this.#world = new World(this.now, this.resourceLimits, this.#emit);
    ({ app: this.#app, seedUserIds: this.#seedUserIds } = seedWorld(this.#world, this.#options));
  }
}
