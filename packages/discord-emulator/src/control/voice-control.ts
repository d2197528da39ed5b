import { PermissionFlagsBits, type APIVoiceState } from 'discord-api-types/v10';
import { EmulatorApiError } from '../errors.ts';
import { isVoiceType } from '../payloads.ts';
import { has } from '../permissions.ts';
import type { EmulatorState, VoicePatch } from '../state.ts';

/**
 * Simulated users' voice actions (what a person does in the Discord client): join, move, leave,
 * mute, deafen, stream. Joining obeys what Discord's client enforces — the channel must be
 * visible and connectable for that user, and not full — unless `force` is set.
 */

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues?: Array<{ path: string; message: string }>,
  ) {
    super(message);
  }
}

export interface VoiceCommand {
  /** User id or username. */
  userId: string;
  /** A voice channel to join or move to; null leaves; omitted keeps the current channel. */
  channelId?: string | null | undefined;
  /**
   * The guild the command is about. Optional: a channel names its guild, and a user is in at most
   * one voice channel across guilds, so a leave or a flag change finds it. When given it must
   * exist and match the channel's guild.
   */
  guildId?: string | undefined;
  selfMute?: boolean | undefined;
  selfDeaf?: boolean | undefined;
  mute?: boolean | undefined;
  deaf?: boolean | undefined;
  selfStream?: boolean | undefined;
  selfVideo?: boolean | undefined;
  force?: boolean | undefined;
}

export function applyVoiceCommand(state: EmulatorState, cmd: VoiceCommand): APIVoiceState | null {
  const user = state.findUser(cmd.userId);
  if (!user) throw new ControlError(400, `unknown user "${cmd.userId}"`);
  const flags: VoicePatch = {};
  if (cmd.selfMute !== undefined) flags.selfMute = cmd.selfMute;
  if (cmd.selfDeaf !== undefined) flags.selfDeaf = cmd.selfDeaf;
  if (cmd.mute !== undefined) flags.mute = cmd.mute;
  if (cmd.deaf !== undefined) flags.deaf = cmd.deaf;
  if (cmd.selfStream !== undefined) flags.selfStream = cmd.selfStream;
  if (cmd.selfVideo !== undefined) flags.selfVideo = cmd.selfVideo;
  if (cmd.guildId !== undefined && !state.guildIds().includes(cmd.guildId)) throw new ControlError(400, `unknown guild ${cmd.guildId}`);
  const connectedIn = findConnectedGuild(state, user.id, cmd.guildId);

  if (cmd.channelId === null) {
    if (!connectedIn) return null;
    state.setVoiceState(connectedIn, user.id, { channelId: null });
    return null;
  }

  if (cmd.channelId === undefined) {
    if (!connectedIn) throw new ControlError(400, `${user.username} is not connected to voice; give channelId to join one`);
    state.setVoiceState(connectedIn, user.id, flags);
    return payloadOf(state, connectedIn, user.id);
  }

  const channel = lookupChannel(state, cmd.channelId);
  if (!isVoiceType(channel.type)) throw new ControlError(400, `channel ${channel.id} (${channel.name}) is not a voice channel`);
  if (cmd.guildId !== undefined && cmd.guildId !== channel.guildId) {
    throw new ControlError(400, `channel ${channel.id} (${channel.name}) is in guild ${channel.guildId}, not ${cmd.guildId}`);
  }
  if (!state.isMember(channel.guildId, user.id)) {
    throw new ControlError(400, `${user.username} is not a member of guild ${channel.guildId}`);
  }
  if (!cmd.force) {
    const perms = state.channelPermissions(channel.id, user.id);
    if (!has(perms, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.Connect)) {
      throw new ControlError(403, `${channel.name} is hidden from ${user.username} (needs VIEW_CHANNEL and CONNECT); pass force: true to join anyway`);
    }
    const others = state.usersInChannel(channel.id).filter((id) => id !== user.id).length;
    if (channel.userLimit > 0 && others >= channel.userLimit && !has(perms, PermissionFlagsBits.MoveMembers)) {
      throw new ControlError(403, `${channel.name} is full (${channel.userLimit} users); pass force: true to join anyway`);
    }
  }
  // One voice connection per user across Discord: joining here drops the one elsewhere.
  if (connectedIn && connectedIn !== channel.guildId) state.setVoiceState(connectedIn, user.id, { channelId: null });
  state.setVoiceState(channel.guildId, user.id, { ...flags, channelId: channel.id });
  return payloadOf(state, channel.guildId, user.id);
}

function lookupChannel(state: EmulatorState, channelId: string) {
  try {
    return state.channel(channelId);
  } catch (error) {
    if (error instanceof EmulatorApiError) throw new ControlError(400, `unknown channel ${channelId}`);
    throw error;
  }
}

function findConnectedGuild(state: EmulatorState, userId: string, preferred: string | undefined): string | undefined {
  const guildIds = preferred ? [preferred] : state.guildIds();
  return guildIds.find((g) => state.guildIds().includes(g) && state.voiceState(g, userId) !== undefined);
}

function payloadOf(state: EmulatorState, guildId: string, userId: string): APIVoiceState | null {
  return state.voiceStates(guildId).find((v) => v.user_id === userId) ?? null;
}
