import type { DiscordChannel, DiscordMember, DiscordVoiceState } from './discord-payloads.ts';
import type { CachedVoiceState, MemberProfile } from './events.ts';

// One guild as the voice-state cache holds it: its records (channels, roles, member profiles, voice
// states) made from Discord's payloads, and the indexes over them kept in step on every change, so
// that every question the cache answers is a lookup.

export interface CachedChannel {
  id: string;
  /** Discord channel type (2 = voice, 13 = stage, 4 = category, ...). */
  type: number;
  name: string | null;
  parentId: string | null;
}

export interface GuildEntry {
  ready: boolean;
  /** Channels and roles are the whole truth (a GUILD_CREATE was applied), not only what dispatches told. */
  inventoryReady: boolean;
  channels: Map<string, CachedChannel>;
  /** category id → how many channels it holds. */
  childCounts: Map<string, number>;
  roleIds: Set<string>;
  members: Map<string, MemberProfile>;
  voiceByUser: Map<string, CachedVoiceState>;
  /** channel id → user id → state; a channel's map is removed when its last user leaves. */
  voiceByChannel: Map<string, Map<string, CachedVoiceState>>;
}

export const emptyGuild = (): GuildEntry => ({
  ready: false,
  inventoryReady: false,
  channels: new Map(),
  childCounts: new Map(),
  roleIds: new Set(),
  members: new Map(),
  voiceByUser: new Map(),
  voiceByChannel: new Map(),
});

/** Inserts or replaces a channel, moving it between categories' counts when its parent changed. */
export function setChannel(guild: GuildEntry, ch: CachedChannel): void {
  const previous = guild.channels.get(ch.id);
  guild.channels.set(ch.id, ch);
  if (previous && previous.parentId === ch.parentId) return;
  if (previous?.parentId) addChild(guild, previous.parentId, -1);
  if (ch.parentId !== null) addChild(guild, ch.parentId, 1);
}

export function unsetChannel(guild: GuildEntry, channelId: string): void {
  const known = guild.channels.get(channelId);
  if (!known) return;
  guild.channels.delete(channelId);
  if (known.parentId !== null) addChild(guild, known.parentId, -1);
}

function addChild(guild: GuildEntry, categoryId: string, delta: number): void {
  const next = (guild.childCounts.get(categoryId) ?? 0) + delta;
  if (next <= 0) guild.childCounts.delete(categoryId);
  else guild.childCounts.set(categoryId, next);
}

export function toChannel(ch: DiscordChannel): CachedChannel {
  return { id: ch.id, type: ch.type, name: ch.name, parentId: ch.parent_id };
}

export function toProfile(m: DiscordMember): MemberProfile {
  return {
    userId: m.user.id,
    username: m.user.username,
    globalName: m.user.global_name,
    nick: m.nick,
    displayName: m.nick ?? m.user.global_name ?? m.user.username,
    avatar: m.user.avatar,
    guildAvatar: m.avatar,
  };
}

/** Whether `toProfile(m)` would hold what `p` holds (the user is the same). */
export function sameProfile(p: MemberProfile, m: DiscordMember): boolean {
  return p.username === m.user.username && p.globalName === m.user.global_name && p.nick === m.nick && p.avatar === m.user.avatar && p.guildAvatar === m.avatar;
}

export function profileFromVoice(vm: CachedVoiceState): MemberProfile {
  return {
    userId: vm.userId,
    username: vm.username,
    globalName: vm.globalName,
    nick: vm.nick,
    displayName: vm.displayName,
    avatar: vm.avatar,
    guildAvatar: vm.guildAvatar,
  };
}

export function profileOf(guild: GuildEntry, userId: string): MemberProfile {
  return (
    guild.members.get(userId) ?? {
      userId,
      username: null,
      globalName: null,
      nick: null,
      displayName: null,
      avatar: null,
      guildAvatar: null,
    }
  );
}

/** Written out field by field: `{ ...profile, guildId, … }` cost a new hidden class per voice change. */
export function toVoiceState(guildId: string, channelId: string, profile: MemberProfile, vs: DiscordVoiceState): CachedVoiceState {
  return {
    userId: profile.userId,
    username: profile.username,
    globalName: profile.globalName,
    nick: profile.nick,
    displayName: profile.displayName,
    avatar: profile.avatar,
    guildAvatar: profile.guildAvatar,
    guildId,
    channelId,
    selfMute: vs.self_mute,
    selfDeaf: vs.self_deaf,
    mute: vs.mute,
    deaf: vs.deaf,
    selfStream: vs.self_stream,
    selfVideo: vs.self_video,
    suppress: vs.suppress,
  };
}

/** Inserts or replaces the user's entry in both indexes. */
export function addVoice(guild: GuildEntry, vm: CachedVoiceState): void {
  guild.voiceByUser.set(vm.userId, vm);
  let inChannel = guild.voiceByChannel.get(vm.channelId);
  if (!inChannel) {
    inChannel = new Map();
    guild.voiceByChannel.set(vm.channelId, inChannel);
  }
  inChannel.set(vm.userId, vm);
}

export function removeVoice(guild: GuildEntry, vm: CachedVoiceState): void {
  guild.voiceByUser.delete(vm.userId);
  const inChannel = guild.voiceByChannel.get(vm.channelId);
  inChannel?.delete(vm.userId);
  if (inChannel?.size === 0) guild.voiceByChannel.delete(vm.channelId);
}
