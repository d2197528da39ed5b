import { ChannelType, GatewayDispatchEvents, type APIOverwrite } from 'discord-api-types/v10';
import { categoryFull, maxGuildChannels } from '../errors.ts';
import { channelPayload, isVoiceType, type ChannelRecord, type GuildChannelPayload, type GuildRecord, type ModeledChannelType } from '../payloads.ts';
import { setVoiceState } from './voice.ts';
import type { World } from './world.ts';

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

/** Throws Discord's errors for a full category (400 50035 on parent_id) or a full guild (400 30013). */
export function createChannel(world: World, guildId: string, input: ChannelInput): ChannelRecord {
  const g = world.guild(guildId);
  const parentId = parentIdOf(input);
  if (parentId !== null) requireRoomInCategory(world, g, parentId);
  if (g.channels.size >= world.limits.channelsPerGuild) throw maxGuildChannels(world.limits.channelsPerGuild);
  const ch = insertChannel(world, g, input);
  world.emit(guildId, GatewayDispatchEvents.ChannelCreate, channelPayload(ch));
  return ch;
}

/**
 * Builds a channel with Discord's defaults and files it in the guild, with no limit check and no
 * dispatch: `createChannel` adds both; the seed, exempt from limits and run before anyone
 * listens, needs neither.
 */
export function insertChannel(world: World, g: GuildRecord, input: ChannelInput): ChannelRecord {
  const siblings = [...g.channels.values()].filter((c) => sortGroup(c.type) === sortGroup(input.type));
  const ch: ChannelRecord = {
    id: world.ids.next(),
    guildId: g.id,
    type: input.type,
    name: input.name,
    position: input.position ?? siblings.reduce((max, c) => Math.max(max, c.position + 1), 0),
    parentId: parentIdOf(input),
    overwrites: (input.overwrites ?? []).map((o) => ({ ...o })),
    topic: input.topic ?? null,
    nsfw: input.nsfw ?? false,
    bitrate: input.bitrate ?? 64_000,
    userLimit: input.userLimit ?? 0,
    rateLimitPerUser: input.rateLimitPerUser ?? 0,
    rtcRegion: input.rtcRegion ?? null,
  };
  g.channels.set(ch.id, ch);
  world.channelGuild.set(ch.id, g.id);
  return ch;
}

/** Moving a channel into another full category throws 400 50035; staying in its own category never does. */
export function updateChannel(world: World, channelId: string, patch: ChannelPatch): ChannelRecord {
  const ch = world.channel(channelId);
  const target = patch.parentId;
  if (target != null && target !== ch.parentId && ch.type !== ChannelType.GuildCategory) {
    requireRoomInCategory(world, world.guild(ch.guildId), target);
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
  world.emit(ch.guildId, GatewayDispatchEvents.ChannelUpdate, channelPayload(ch));
  return ch;
}

/**
 * Deletes a channel. Discord sends CHANNEL_DELETE first, then disconnects whoever was in it
 * (VOICE_STATE_UPDATE with channel_id null); a deleted category's children move to the top
 * level (CHANNEL_UPDATE with parent_id null).
 */
export function deleteChannel(world: World, channelId: string): GuildChannelPayload {
  const ch = world.channel(channelId);
  const g = world.guild(ch.guildId);
  const payload = channelPayload(ch);
  g.channels.delete(ch.id);
  world.channelGuild.delete(ch.id);
  if (g.systemChannelId === ch.id) g.systemChannelId = null;
  world.emit(g.id, GatewayDispatchEvents.ChannelDelete, payload);
  for (const vs of [...g.voice.values()]) {
    if (vs.channelId === ch.id) setVoiceState(world, g.id, vs.userId, { channelId: null });
  }
  if (ch.type === ChannelType.GuildCategory) {
    for (const child of g.channels.values()) {
      if (child.parentId === ch.id) updateChannel(world, child.id, { parentId: null });
    }
  }
  return payload;
}

/** Categories never have a parent, whatever the request says. */
function parentIdOf(input: ChannelInput): string | null {
  return input.type === ChannelType.GuildCategory ? null : (input.parentId ?? null);
}

function requireRoomInCategory(world: World, g: GuildRecord, categoryId: string): void {
  let children = 0;
  for (const c of g.channels.values()) if (c.parentId === categoryId) children += 1;
  if (children >= world.limits.channelsPerCategory) throw categoryFull(world.limits.channelsPerCategory);
}

/** Discord sorts categories, text-like and voice-like channels in separate position sequences. */
function sortGroup(type: ChannelType): number {
  if (type === ChannelType.GuildCategory) return 2;
  return isVoiceType(type) ? 1 : 0;
}
