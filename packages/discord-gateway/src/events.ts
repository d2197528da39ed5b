import type { GatewayState } from './gateway-state.ts';

/** Where an event came from: a live (or replayed) dispatch, or the diff computed after a re-identify. */
export type EventSource = 'dispatch' | 'resync';

/** Carried by every domain event. */
export interface EventMeta {
  /** The dispatch's `s`: monotonic within a Gateway session (a resync carries its GUILD_CREATE's). */
  sequence: number;
  /** When this process received the dispatch, by the injected clock (ms since the epoch). */
  receivedAt: number;
  source: EventSource;
  /** The Gateway shard the dispatch came in on (its `[shard_id, num_shards]`'s first half). */
  shardId: number;
}

/** Who a user is, as far as the guild tells us. */
export interface MemberProfile {
  userId: string;
  /** Null only when Discord never sent the user's profile (it always does for people in voice). */
  username: string | null;
  globalName: string | null;
  /** Guild nickname. */
  nick: string | null;
  /** nick, else global name, else username: what Discord shows. */
  displayName: string | null;
  /** User avatar hash (cdn `avatars/{userId}/{hash}`). */
  avatar: string | null;
  /** Guild-specific avatar hash, when the member set one. */
  guildAvatar: string | null;
}

export interface VoiceFlags {
  selfMute: boolean;
  selfDeaf: boolean;
  /** Server mute / deafen (by a moderator). */
  mute: boolean;
  deaf: boolean;
  /** Go Live. */
  selfStream: boolean;
  selfVideo: boolean;
  suppress: boolean;
}
export type VoiceFlag = keyof VoiceFlags;
export const VOICE_FLAGS: readonly VoiceFlag[] = ['selfMute', 'selfDeaf', 'mute', 'deaf', 'selfStream', 'selfVideo', 'suppress'];

/** One person in a voice channel, as the cache holds it. */
export interface CachedVoiceState extends MemberProfile, VoiceFlags {
  guildId: string;
  channelId: string;
}

export interface VoiceJoinedEvent extends CachedVoiceState, EventMeta {
  type: 'voice.joined';
}

export interface VoiceLeftEvent extends EventMeta {
  type: 'voice.left';
  guildId: string;
  channelId: null;
  previousChannelId: string;
  userId: string;
}

/** Mute/deaf/stream/video changed; same channel. */
export interface VoiceUpdatedEvent extends CachedVoiceState, EventMeta {
  type: 'voice.updated';
  changed: VoiceFlag[];
}

export interface ChannelDeletedEvent extends EventMeta {
  type: 'channel.deleted';
  guildId: string;
  channelId: string;
  channelType: number;
  name: string | null;
  parentId: string | null;
}

export interface MemberRemovedEvent extends EventMeta {
  type: 'member.removed';
  guildId: string;
  userId: string;
}

/** A GUILD_CREATE was accepted: the bot is in the guild and it is available (first one, an outage's end, the bot re-added). */
export interface GuildAvailableEvent extends EventMeta {
  type: 'guild.available';
  guildId: string;
  name: string;
  ownerId: string | null;
}

/** GUILD_DELETE with `unavailable: true`: an outage; the cache is kept until the GUILD_CREATE that ends it. */
export interface GuildUnavailableEvent extends EventMeta {
  type: 'guild.unavailable';
  guildId: string;
}

/** GUILD_DELETE without `unavailable`: the bot was removed from the guild (after everyone's `voice.left`). */
export interface GuildRemovedEvent extends EventMeta {
  type: 'guild.removed';
  guildId: string;
}

/**
 * READY (a new session, after IDENTIFY): the guilds the bot is in on this event's shard. A guild of
 * that shard the app knew and READY does not list was left while no session was open (Discord sends
 * no GUILD_DELETE for it later).
 */
export interface GuildListedEvent extends EventMeta {
  type: 'guild.listed';
  guildIds: string[];
}

export type GatewayDomainEvent =
  | GuildListedEvent
  | VoiceJoinedEvent
  | VoiceLeftEvent
  | VoiceUpdatedEvent
  | ChannelDeletedEvent
  | MemberRemovedEvent
  | GuildAvailableEvent
  | GuildUnavailableEvent
  | GuildRemovedEvent;

export type DomainEventType = GatewayDomainEvent['type'];

/** A domain event before the client stamps it with the dispatch it came from. */
export type DomainChange = GatewayDomainEvent extends infer E ? (E extends unknown ? Omit<E, keyof EventMeta> : never) : never;

/** The connection changed state (for health, metrics, and "live updates delayed" banners, R-RT9). */
export interface GatewayStateChange {
  type: 'gateway.state';
  state: GatewayState;
  previous: GatewayState;
  at: number;
  /** The shard whose connection changed; a ShardedGateway's own (aggregate) changes carry -1. */
  shardId: number;
  /** Set when the client stopped for good. */
  error?: Error;
}

export interface GatewayEventMap {
  'voice.joined': VoiceJoinedEvent;
  'voice.left': VoiceLeftEvent;
  'voice.updated': VoiceUpdatedEvent;
  'channel.deleted': ChannelDeletedEvent;
  'member.removed': MemberRemovedEvent;
  'guild.available': GuildAvailableEvent;
  'guild.unavailable': GuildUnavailableEvent;
  'guild.removed': GuildRemovedEvent;
  'guild.listed': GuildListedEvent;
  'gateway.state': GatewayStateChange;
  /** Every domain event (not state changes), in order: the one subscription an event bus needs. */
  '*': GatewayDomainEvent;
}
