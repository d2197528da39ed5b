// @repo/discord-gateway: the bot's Gateway connection on @discordjs/ws (backoff, fatal close codes,
// identify budget, hand-over between instances), the voice-state cache it keeps per guild, and the
// typed domain events it emits. Knows nothing of rooms or browsers.
export { DiscordGatewayClient, type DiscordGatewayClientOptions, type GatewayStartOptions } from './discord-gateway-client.ts';
export { GATEWAY_INTENTS } from './gateway-run.ts';
export { VoiceStateCache, type GuildInventoryView, type VoiceStateView } from './voice-state-cache.ts';
export type { CachedChannel } from './guild-entry.ts';
export type {
  CachedVoiceState,
  ChannelDeletedEvent,
  EventMeta,
  EventSource,
  GatewayDomainEvent,
  GatewayEventMap,
  GatewayStateChange,
  GuildAvailableEvent,
  GuildRemovedEvent,
  GuildUnavailableEvent,
  GuildListedEvent,
  MemberProfile,
  MemberRemovedEvent,
  VoiceFlag,
  VoiceFlags,
  VoiceJoinedEvent,
  VoiceLeftEvent,
  VoiceUpdatedEvent,
} from './events.ts';
export { GatewayState, type GatewayStatus } from './gateway-state.ts';
export { GatewayFatalError, FATAL_CLOSE_CODES } from './errors.ts';
export {
  CachedSessionInfoStore,
  MemorySessionInfoStore,
  type SessionInfo,
  type SessionInfoStore,
} from './session-info-store.ts';
export { gatewayDefaults, type GatewayTuning } from './defaults.ts';
export { systemClock, type Clock } from '@repo/platform';
export type { Logger } from '@repo/platform';
export { ShardedGateway, MAX_SHARD_COUNT, readGatewayBot, shardCountOf, type GatewayBotInfo, type ShardedGatewayOptions } from './sharded-gateway.ts';
export { IdentifyBuckets, IDENTIFY_WINDOW_MS, shardOfGuild, type IdentifyThrottle, type ShardShared } from './shard-parts.ts';
