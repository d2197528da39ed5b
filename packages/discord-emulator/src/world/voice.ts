import { GatewayDispatchEvents, type APIGuildMember, type APIVoiceState } from 'discord-api-types/v10';
import { unknownChannel } from '../errors.ts';
import { isVoiceType, type VoiceStateRecord } from '../payloads.ts';
import type { World } from './world.ts';

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

/**
 * Joins, moves, leaves, or changes mute/deaf/stream flags. Permission and capacity checks are
 * the caller's job (the control API checks visibility, REST checks MOVE_MEMBERS): the world only
 * records what happened. Returns the new state, or null when the user is not connected.
 * Server mute/deaf live on the member, so they also emit GUILD_MEMBER_UPDATE.
 */
export function setVoiceState(world: World, guildId: string, userId: string, patch: VoicePatch): VoiceStateRecord | null {
  const g = world.guild(guildId);
  const member = world.member(guildId, userId);
  if (patch.channelId) {
    const target = world.channel(patch.channelId);
    if (target.guildId !== guildId || !isVoiceType(target.type)) throw unknownChannel();
  }
  const current = g.voice.get(userId);

  const memberChanged =
    (patch.mute !== undefined && patch.mute !== member.mute) || (patch.deaf !== undefined && patch.deaf !== member.deaf);
  if (patch.mute !== undefined) member.mute = patch.mute;
  if (patch.deaf !== undefined) member.deaf = patch.deaf;
  if (memberChanged) world.emitMemberUpdate(g, member);

  if (patch.channelId === null || (patch.channelId === undefined && !current)) {
    if (!current) return null;
    g.voice.delete(userId);
    world.emit(guildId, GatewayDispatchEvents.VoiceStateUpdate, world.voicePayload(g, { ...current, channelId: null }));
    return null;
  }

  const next: VoiceStateRecord = current
    ? { ...current }
    : {
        userId,
        channelId: patch.channelId ?? '',
        sessionId: world.nextVoiceSessionId(userId),
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
  world.emit(guildId, GatewayDispatchEvents.VoiceStateUpdate, world.voicePayload(g, next));
  return next;
}

export function voiceStatesOf(world: World, guildId: string): Array<APIVoiceState & { member: APIGuildMember }> {
  const g = world.guild(guildId);
  return [...g.voice.values()].map((vs) => world.voicePayload(g, vs));
}

/** Users connected to a voice channel right now. */
export function usersInChannel(world: World, channelId: string): string[] {
  const ch = world.channel(channelId);
  const out: string[] = [];
  for (const vs of world.guild(ch.guildId).voice.values()) if (vs.channelId === channelId) out.push(vs.userId);
  return out;
}
