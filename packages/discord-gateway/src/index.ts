export { DiscordGatewayClient, GATEWAY_INTENTS, type DiscordGatewayClientOptions, type GatewayStartOptions } from './discord-gateway-client.ts';
export { VoiceStateCache, type CachedChannel, type GuildInventoryView, type VoiceStateView } from './voice-state-cache.ts';
export type {
  ChannelDeletedEvent,
  EventMeta,
  EventSource,
  GatewayDomainEvent,
  GatewayEventMap,
  GatewayStateChange,
  MemberProfile,
  MemberRemovedEvent,
  VoiceFlag,
  VoiceFlags,
  VoiceJoinedEvent,
  VoiceLeftEvent,
  CachedVoiceState,
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
