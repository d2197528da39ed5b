import { GatewayDispatchEvents, type APIGuildMember } from 'discord-api-types/v10';
import { unknownRole } from '../errors.ts';
import { memberPayload, type GuildRecord, type MemberRecord } from '../payloads.ts';
import { setVoiceState } from './voice.ts';
import type { World } from './world.ts';

export interface MemberPatch {
  nick?: string | null;
  roles?: string[];
  mute?: boolean;
  deaf?: boolean;
}

/**
 * Builds a member with Discord's defaults and files it in the guild, with no dispatch: `addMember`
 * adds GUILD_MEMBER_ADD; the seed, which runs before anyone listens, needs none.
 */
export function insertMember(
  world: World,
  g: GuildRecord,
  userId: string,
  init: MemberPatch = {},
  joinedAt = new Date(world.now()).toISOString(),
): MemberRecord {
  const member: MemberRecord = {
    userId,
    nick: init.nick ?? null,
    roles: [...(init.roles ?? [])],
    joinedAt,
    mute: init.mute ?? false,
    deaf: init.deaf ?? false,
  };
  g.members.set(userId, member);
  return member;
}

/** Joining twice is a no-op that returns the existing member, as Discord's PUT does. */
export function addMember(world: World, guildId: string, userId: string, init: MemberPatch = {}): MemberRecord {
  const g = world.guild(guildId);
  const user = world.user(userId);
  const existing = g.members.get(userId);
  if (existing) return existing;
  const member = insertMember(world, g, userId, init);
  world.emit(guildId, GatewayDispatchEvents.GuildMemberAdd, { ...memberPayload(member, user), guild_id: guildId });
  return member;
}

/** Applies nick/roles/mute/deaf; emits GUILD_MEMBER_UPDATE, and VOICE_STATE_UPDATE if a voice flag changed while connected. */
export function updateMember(world: World, guildId: string, userId: string, patch: MemberPatch): MemberRecord {
  const g = world.guild(guildId);
  const member = world.member(guildId, userId);
  for (const roleId of patch.roles ?? []) if (!g.roles.has(roleId)) throw unknownRole();
  const voiceChanged =
    (patch.mute !== undefined && patch.mute !== member.mute) || (patch.deaf !== undefined && patch.deaf !== member.deaf);
  if (patch.nick !== undefined) member.nick = patch.nick;
  // @everyone is implicit: Discord never lists it among a member's roles.
  if (patch.roles !== undefined) member.roles = [...new Set(patch.roles.filter((id) => id !== guildId))];
  if (patch.mute !== undefined) member.mute = patch.mute;
  if (patch.deaf !== undefined) member.deaf = patch.deaf;
  world.emitMemberUpdate(g, member);
  const vs = g.voice.get(userId);
  if (voiceChanged && vs) world.emit(guildId, GatewayDispatchEvents.VoiceStateUpdate, world.voicePayload(g, vs));
  return member;
}

/** Kicks (or the user leaves): voice is disconnected first, then GUILD_MEMBER_REMOVE. */
export function removeMember(world: World, guildId: string, userId: string): void {
  const g = world.guild(guildId);
  world.member(guildId, userId);
  if (g.voice.has(userId)) setVoiceState(world, guildId, userId, { channelId: null });
  g.members.delete(userId);
  world.emit(guildId, GatewayDispatchEvents.GuildMemberRemove, { guild_id: guildId, user: { ...world.user(userId) } });
}

export function memberPayloadOf(world: World, guildId: string, userId: string): APIGuildMember {
  return memberPayload(world.member(guildId, userId), world.user(userId));
}

/** Members ordered by user id (as Discord pages them), after `after`, at most `limit`. */
export function pageMembers(world: World, guildId: string, limit: number, after: string): APIGuildMember[] {
  const ids = [...world.guild(guildId).members.keys()].filter((id) => compareSnowflakes(id, after) > 0);
  ids.sort(compareSnowflakes);
  return ids.slice(0, limit).map((id) => memberPayloadOf(world, guildId, id));
}

/** Numeric order of decimal snowflakes without BigInt: shorter is smaller, then lexical. */
function compareSnowflakes(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
