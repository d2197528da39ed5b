/**
 * The emulator's world model: users, guilds and what is in them (channels, roles, members, voice),
 * as compact records, with the mutations Discord allows on each. One file per resource
 * (`channels.ts`, `roles.ts`, `members.ts`, `voice.ts`, `users.ts`), each a set of functions over
 * this `World`; `EmulatorState` (`../state.ts`) is the façade the REST handlers, the control API
 * and the Gateway use, and `../seed.ts` fills a fresh world.
 *
 * Every mutation emits the Gateway dispatches Discord would send, synchronously and in mutation
 * order, through `emit`. Lookups that miss throw Discord's own errors (Unknown Channel, …) so
 * handlers stay straight lines.
 */
import { createHash } from 'node:crypto';
import { GatewayDispatchEvents, type APIRole, type APIUser } from 'discord-api-types/v10';
import type { ResourceLimits } from '../discord-limits.ts';
import { unknownChannel, unknownGuild, unknownMember, unknownRole, unknownUser } from '../errors.ts';
import { memberPayload, voiceStatePayload, type ChannelRecord, type GuildRecord, type MemberRecord, type VoiceStateRecord } from '../payloads.ts';
import { SnowflakeFactory } from '../snowflake.ts';

/** Where a world's dispatches go; `guildId` routes one to the sessions that see the guild. */
export type Emit = (guildId: string | null, t: GatewayDispatchEvents, d: unknown) => void;

/** A voice state as it is about to be sent: `channelId: null` is the "left voice" dispatch. */
export type OutgoingVoiceState = Omit<VoiceStateRecord, 'channelId'> & { channelId: string | null };

export class World {
  readonly ids = new SnowflakeFactory();
  readonly users = new Map<string, APIUser>();
  /** Lowercased username → user id: the control API and the authorize page accept names. */
  readonly userIdsByName = new Map<string, string>();
  readonly guilds = new Map<string, GuildRecord>();
  /** Channel id → guild id, so routes that carry only a channel id find its guild. */
  readonly channelGuild = new Map<string, string>();
  #voiceSessions = 0;

  constructor(
    readonly now: () => number,
    /** Enforced on every channel and role mutation, REST or not; the seed itself is exempt. */
    readonly limits: ResourceLimits,
    readonly emit: Emit,
  ) {}

  guild(guildId: string): GuildRecord {
    const g = this.guilds.get(guildId);
    if (!g) throw unknownGuild();
    return g;
  }

  channel(channelId: string): ChannelRecord {
    const guildId = this.channelGuild.get(channelId);
    const ch = guildId === undefined ? undefined : this.guilds.get(guildId)?.channels.get(channelId);
    if (!ch) throw unknownChannel();
    return ch;
  }

  /** The live record: callers that hand it out copy it. */
  role(guildId: string, roleId: string): APIRole {
    const role = this.guild(guildId).roles.get(roleId);
    if (!role) throw unknownRole();
    return role;
  }

  member(guildId: string, userId: string): MemberRecord {
    const m = this.guild(guildId).members.get(userId);
    if (!m) throw unknownMember();
    return m;
  }

  /** The live record: callers that hand it out copy it. */
  user(userId: string): APIUser {
    const u = this.users.get(userId);
    if (!u) throw unknownUser();
    return u;
  }

  voicePayload(g: GuildRecord, vs: OutgoingVoiceState) {
    const member = g.members.get(vs.userId);
    if (!member) throw unknownMember();
    return voiceStatePayload(g.id, vs, member, this.user(vs.userId));
  }

  emitMemberUpdate(g: GuildRecord, member: MemberRecord): void {
    const { user, ...rest } = memberPayload(member, this.user(member.userId));
    this.emit(g.id, GatewayDispatchEvents.GuildMemberUpdate, { guild_id: g.id, user, ...rest });
  }

  /** Discord's voice session ids are 32 hex characters, new on every join. */
  nextVoiceSessionId(userId: string): string {
    this.#voiceSessions += 1;
    return createHash('md5').update(`voice:${userId}:${this.#voiceSessions}`).digest('hex');
  }
}
