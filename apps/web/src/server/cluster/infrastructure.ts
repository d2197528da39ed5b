import { type DiscordGatewayClient, MemorySessionInfoStore, type SessionInfoStore, type VoiceStateView } from '@repo/discord-gateway';
import { InMemoryRateLimitStateStore, type RateLimitStateStore } from '@repo/discord-rest';
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { type EventBus, MemoryEventBus } from '../realtime/event-bus.ts';
import { type LeaderGuard, SingleInstanceLeader } from '../rooms/leader.ts';
import { MemoryRoomStore, type RoomStore } from '../rooms/room-store.ts';
import { AlwaysHolderLease, type GatewayLease } from './gateway-lease.ts';

/**
 * The swappable parts (discord.js style: transport, orchestration and policy apart). Embedded
 * default (R-SCALE1): everything in memory, one process, no Redis client loaded. With REDIS_URL the
 * scale-out implementations take their places (R-SCALE2).
 */
export interface Infrastructure {
  kind: 'memory' | 'redis';
  bus: EventBus;
  roomStore: RoomStore;
  /** Runs the cleanup job on one instance at a time. */
  leader: LeaderGuard;
  /** Who holds the Discord Gateway connection. */
  gatewayLease: GatewayLease;
  /** Gateway resume state (session id, sequence, resume URL). */
  gatewaySessions: SessionInfoStore;
  /** The bot token's REST budget. */
  rateLimits: RateLimitStateStore;
  /**
   * Who is in voice where, for this instance's snapshots and checks. In memory: the local Gateway
   * client's cache. With several instances: a view every instance can read, not only the holder.
   */
  voiceView(gateway: DiscordGatewayClient): VoiceStateView;
  /** Whether the shared backend answers (health); always true in memory. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function createInfrastructure(options: { config: Config; log: Logger; clock: Clock }): Promise<Infrastructure> {
  if (options.config.redisUrl) {
    // Loaded only when configured, so the embedded mode never loads a Redis client.
    const { createRedisInfrastructure } = await import('./redis-infrastructure.ts');
    return createRedisInfrastructure({ ...options, redisUrl: options.config.redisUrl });
  }
  return {
    kind: 'memory',
    bus: new MemoryEventBus(),
    roomStore: new MemoryRoomStore(() => options.clock.now()),
    leader: new SingleInstanceLeader(),
    gatewayLease: new AlwaysHolderLease(),
    gatewaySessions: new MemorySessionInfoStore(),
    rateLimits: new InMemoryRateLimitStateStore(),
    voiceView: (gateway) => gateway.cache,
    ping: async () => true,
    async close() {},
  };
}
