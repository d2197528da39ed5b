import type { DiscordChannel, DiscordGuildCreate, DiscordMember, DiscordMemberUpdate, DiscordVoiceState } from './discord-payloads.ts';
import type { CachedVoiceState, DomainChange, MemberProfile } from './events.ts';
import {
  addVoice,
  emptyGuild,
  profileFromVoice,
  profileOf,
  removeVoice,
  sameProfile,
  setChannel,
  toChannel,
  toProfile,
  toVoiceState,
  unsetChannel,
  type CachedChannel,
  type GuildEntry,
} from './guild-entry.ts';
import { channelDeleted, transition } from './voice-transitions.ts';

/** The read side of the cache: what the rest of the app may ask. Every answer is O(1). */
export interface VoiceStateView {
  guildIds(): string[];
  /** True once the guild's GUILD_CREATE arrived: until then the answers are not the whole truth. */
  isReady(guildId: string): boolean;
  /** Who is in voice channel X right now (a live view: copy it if you keep it). */
  membersIn(guildId: string, channelId: string): ReadonlyMap<string, CachedVoiceState>;
  /** Which voice channel user U is in, or null. */
  channelOf(guildId: string, userId: string): string | null;
  voiceStateOf(guildId: string, userId: string): CachedVoiceState | null;
  /** Everyone in voice in the guild, by user id (a live view). */
  voiceStates(guildId: string): ReadonlyMap<string, CachedVoiceState>;
  channel(guildId: string, channelId: string): CachedChannel | null;
  member(guildId: string, userId: string): MemberProfile | null;
}

/**
 * What the guild holds, for planning around Discord's resource limits (500 channels per guild, 50
 * per category, 250 roles). Kept from GUILD_CREATE and the CHANNEL_* and GUILD_ROLE_* dispatches;
 * counts are O(1), maintained as channels and roles come and go (never by a scan).
 */
export interface GuildInventoryView {
  /** True once a GUILD_CREATE listed every channel and role; a voice-only seed (takeover) does not. */
  inventoryReady(guildId: string): boolean;
  /** Channels of every type, categories included (they count toward the 500). */
  channelCount(guildId: string): number;
  /** Roles, @everyone and managed roles included (they count toward the 250). */
  roleCount(guildId: string): number;
  /** Channels whose parent is this category. */
  channelsUnder(guildId: string, categoryId: string): number;
  channel(guildId: string, channelId: string): CachedChannel | null;
  hasRole(guildId: string, roleId: string): boolean;
  /** Every category (type 4) of the guild; a scan, for the rare caller that places a channel. */
  categories(guildId: string): CachedChannel[];
}

const CATEGORY_TYPE = 4;

/**
 * Voice presence per guild, seeded from GUILD_CREATE and kept current from dispatches (R-GW2).
 * Every mutation returns the domain changes it caused, so events are derived from the cache and
 * can never disagree with it. Objects handed out are replaced, never mutated, on change; the changes
 * returned are new objects that belong to the caller.
 */
export class VoiceStateCache implements VoiceStateView, GuildInventoryView {
  readonly #guilds = new Map<string, GuildEntry>();

  guildIds(): string[] {
    return [...this.#guilds.keys()];
  }

  isReady(guildId: string): boolean {
    return this.#guilds.get(guildId)?.ready ?? false;
  }

  membersIn(guildId: string, channelId: string): ReadonlyMap<string, CachedVoiceState> {
    return this.#guilds.get(guildId)?.voiceByChannel.get(channelId) ?? new Map<string, CachedVoiceState>();
  }

  channelOf(guildId: string, userId: string): string | null {
    return this.#guilds.get(guildId)?.voiceByUser.get(userId)?.channelId ?? null;
  }

  voiceStateOf(guildId: string, userId: string): CachedVoiceState | null {
    return this.#guilds.get(guildId)?.voiceByUser.get(userId) ?? null;
  }

  voiceStates(guildId: string): ReadonlyMap<string, CachedVoiceState> {
    return this.#guilds.get(guildId)?.voiceByUser ?? new Map<string, CachedVoiceState>();
  }

  channel(guildId: string, channelId: string): CachedChannel | null {
    return this.#guilds.get(guildId)?.channels.get(channelId) ?? null;
  }

  member(guildId: string, userId: string): MemberProfile | null {
    return this.#guilds.get(guildId)?.members.get(userId) ?? null;
  }

  inventoryReady(guildId: string): boolean {
    return this.#guilds.get(guildId)?.inventoryReady ?? false;
  }

  channelCount(guildId: string): number {
    return this.#guilds.get(guildId)?.channels.size ?? 0;
  }

  roleCount(guildId: string): number {
    return this.#guilds.get(guildId)?.roleIds.size ?? 0;
  }

  channelsUnder(guildId: string, categoryId: string): number {
    return this.#guilds.get(guildId)?.childCounts.get(categoryId) ?? 0;
  }

  hasRole(guildId: string, roleId: string): boolean {
    return this.#guilds.get(guildId)?.roleIds.has(roleId) ?? false;
  }

  categories(guildId: string): CachedChannel[] {
    const out: CachedChannel[] = [];
    for (const ch of this.#guilds.get(guildId)?.channels.values() ?? []) if (ch.type === CATEGORY_TYPE) out.push(ch);
    return out;
  }

  /**
   * Replaces the guild with a GUILD_CREATE snapshot. The first snapshot seeds silently; a later
   * one (after a re-identify, or the guild coming back from an outage) returns the differences,
   * so that subscribers converge on the truth (R-GW4).
   */
  replaceGuild(snapshot: DiscordGuildCreate): DomainChange[] {
    const guildId = snapshot.id;
    const previous = this.#guilds.get(guildId);
    const next = emptyGuild();
    next.ready = true;
    next.inventoryReady = true;
    for (const ch of snapshot.channels) setChannel(next, toChannel(ch));
    for (const role of snapshot.roles) next.roleIds.add(role.id);
    for (const m of snapshot.members) next.members.set(m.user.id, toProfile(m));
    for (const vs of snapshot.voice_states) {
      if (vs.channel_id === null) continue;
      if (vs.member) next.members.set(vs.user_id, toProfile(vs.member));
      addVoice(next, toVoiceState(guildId, vs.channel_id, profileOf(next, vs.user_id), vs));
    }
    this.#guilds.set(guildId, next);
    if (!previous) return [];

    const changes: DomainChange[] = [];
    for (const [userId, before] of previous.voiceByUser) {
      changes.push(...transition(before, next.voiceByUser.get(userId)));
    }
    for (const [userId, after] of next.voiceByUser) {
      if (!previous.voiceByUser.has(userId)) changes.push(...transition(undefined, after));
    }
    for (const [channelId, ch] of previous.channels) {
      if (!next.channels.has(channelId)) changes.push(channelDeleted(guildId, ch));
    }
    return changes;
  }

  /**
   * Takes over what another process (the previous Gateway holder) last published for the guild,
   * as this cache's snapshot, silently: it is what subscribers already show, so nothing is emitted.
   * Dispatches replayed by a resume then apply on top of it and become ordinary events (R-SCALE2).
   * Channels and members not in voice are not part of it; later dispatches bring what is needed.
   * The inventory (channels, roles) is not ready until the next GUILD_CREATE.
   */
  seedGuild(guildId: string, voiceStates: Iterable<CachedVoiceState>): void {
    const next = emptyGuild();
    next.ready = true;
    for (const vm of voiceStates) {
      if (vm.guildId !== guildId) continue;
      next.members.set(vm.userId, profileFromVoice(vm));
      addVoice(next, { ...vm });
    }
    this.#guilds.set(guildId, next);
  }

  /**
   * The guild's entries may be out of date (this process stopped holding the Gateway for a while):
   * not ready until the next snapshot, which then emits the difference from what is kept here.
   */
  markStale(guildId: string): void {
    const guild = this.#guilds.get(guildId);
    if (guild) {
      guild.ready = false;
      guild.inventoryReady = false;
    }
  }

  /**
   * No dispatch will keep the channels and roles current any more (the client stopped): answers
   * about them are not the whole truth until the next GUILD_CREATE. Voice presence is left as is.
   */
  markInventoryStale(guildId: string): void {
    const guild = this.#guilds.get(guildId);
    if (guild) guild.inventoryReady = false;
  }

  /** The bot left (or was removed from) the guild: everyone in voice there is gone from our view. */
  removeGuild(guildId: string): DomainChange[] {
    const previous = this.#guilds.get(guildId);
    this.#guilds.delete(guildId);
    if (!previous) return [];
    return [...previous.voiceByUser.values()].flatMap((before) => transition(before, undefined));
  }

  applyVoiceState(guildId: string, vs: DiscordVoiceState): DomainChange[] {
    const guild = this.#ensure(guildId);
    if (vs.member) {
      const known = guild.members.get(vs.user_id);
      if (!known || !sameProfile(known, vs.member)) guild.members.set(vs.user_id, toProfile(vs.member));
    }
    const before = guild.voiceByUser.get(vs.user_id);
    if (vs.channel_id === null) {
      if (before) removeVoice(guild, before);
      return transition(before, undefined);
    }
    // The common change (a flag, same channel) keeps nothing of its dispatch but the new record:
    // the profile, ids and index entries already held are reused, so what the cache retains per
    // event stays small. Retained per-event garbage is what fills the old generation at high rates
    // and sets how often, and how long, its compacting collections stop the process.
    const sameChannel = before?.channelId === vs.channel_id;
    const after = toVoiceState(before?.guildId ?? guildId, sameChannel ? before.channelId : vs.channel_id, profileOf(guild, vs.user_id), vs);
    if (before && !sameChannel) removeVoice(guild, before);
    addVoice(guild, after); // replaces a same-channel entry in place: both indexes keep their order
    return transition(before, after);
  }

  upsertChannel(guildId: string, ch: DiscordChannel): void {
    setChannel(this.#ensure(guildId), toChannel(ch));
  }

  upsertRole(guildId: string, roleId: string): void {
    this.#ensure(guildId).roleIds.add(roleId);
  }

  deleteRole(guildId: string, roleId: string): void {
    this.#guilds.get(guildId)?.roleIds.delete(roleId);
  }

  /** Anyone still in the channel is disconnected by Discord; say so before the channel goes. */
  deleteChannel(guildId: string, ch: DiscordChannel): DomainChange[] {
    const guild = this.#ensure(guildId);
    const changes: DomainChange[] = [];
    for (const before of [...(guild.voiceByChannel.get(ch.id)?.values() ?? [])]) {
      removeVoice(guild, before);
      changes.push(...transition(before, undefined));
    }
    const known = guild.channels.get(ch.id) ?? toChannel(ch);
    unsetChannel(guild, ch.id);
    changes.push(channelDeleted(guildId, known));
    return changes;
  }

  upsertMember(guildId: string, m: DiscordMember): void {
    this.#setProfile(this.#ensure(guildId), toProfile(m));
  }

  /** GUILD_MEMBER_UPDATE: fields it omits keep their cached value. */
  updateMember(guildId: string, update: DiscordMemberUpdate): void {
    const guild = this.#ensure(guildId);
    const known = guild.members.get(update.user.id);
    this.#setProfile(
      guild,
      toProfile({
        user: update.user,
        nick: update.nick === undefined ? (known?.nick ?? null) : update.nick,
        avatar: update.avatar === undefined ? (known?.guildAvatar ?? null) : update.avatar,
      }),
    );
  }

  /** A member removed from the guild is out of voice too, whether or not Discord says so separately. */
  removeMember(guildId: string, userId: string): DomainChange[] {
    const guild = this.#ensure(guildId);
    const changes: DomainChange[] = [];
    const before = guild.voiceByUser.get(userId);
    if (before) {
      removeVoice(guild, before);
      changes.push(...transition(before, undefined));
    }
    guild.members.delete(userId);
    changes.push({ type: 'member.removed', guildId, userId });
    return changes;
  }

  #ensure(guildId: string): GuildEntry {
    let guild = this.#guilds.get(guildId);
    if (!guild) {
      guild = emptyGuild();
      this.#guilds.set(guildId, guild);
    }
    return guild;
  }

  #setProfile(guild: GuildEntry, profile: MemberProfile): void {
    guild.members.set(profile.userId, profile);
    const inVoice = guild.voiceByUser.get(profile.userId);
    if (inVoice) addVoice(guild, { ...inVoice, ...profile });
  }
}
