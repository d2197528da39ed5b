import { randomUUID } from 'node:crypto';
import type { DiscordGatewayClient, GatewayDomainEvent, GatewayStartOptions, SessionInfoStore, VoiceStateView } from '@repo/discord-gateway';
import { MemorySessionInfoStore } from '@repo/discord-gateway';
import { InMemoryRateLimitStateStore, type RateLimitStateStore } from '@repo/discord-rest';
import type { Logger } from 'pino';
import { localRefreshCoordinator, type RefreshCoordinator } from '../auth/refresh-coordinator.ts';
import { MemorySessionRevocations, type SessionRevocations } from '../auth/session-revocations.ts';
import type { Clock } from '@repo/platform';
import type { Config } from '../config.ts';
import { type EventBus, MemoryEventBus } from '../realtime/event-bus.ts';
import { type LeaderGuard, SingleInstanceLeader } from '../rooms/leader.ts';
import { MemoryRoomStore, type RoomStore } from '../rooms/room-store.ts';
import { AlwaysHolderLease, type GatewayLease } from '../gateway-ownership/gateway-lease.ts';
import { type GatewayStatusView, localGatewayStatus } from '../gateway-ownership/gateway-status.ts';

/**
 * The swappable parts (discord.js style: transport, orchestration and policy apart). Embedded
 * default (R-SCALE1): everything in memory, one process, no Redis client loaded. With REDIS_URL the
 * scale-out implementations take their places (R-SCALE2); see specs/scale-out.md.
 */
export interface Infrastructure {
  kind: 'memory' | 'redis';
  /** This process, in logs, health, the Gateway lease and every bus message it publishes. */
  instanceId: string;
  bus: EventBus;
  roomStore: RoomStore;
  /** Runs the cleanup job on one instance at a time. */
  leader: LeaderGuard;
  /** Who holds the Discord Gateway connection. */
  gatewayLease: GatewayLease;
  /** Gateway resume state (session id, sequence, resume URL). */
  gatewaySessions: SessionInfoStore;
  /**
   * How to start the Gateway once this instance holds the lease. In memory: as it is (one process,
   * its own cache). With Redis: as a takeover, seeded with what the previous holder published, so
   * the RESUME's replay continues from it (R-SCALE2).
   */
  gatewayStartOptions(): Promise<GatewayStartOptions>;
  /** One Discord token refresh per refresh token, across instances. */
  refreshes: RefreshCoordinator;
  /** Sign-ins ended by logout, refused by every instance. */
  revocations: SessionRevocations;
  /** The bot token's REST budget. */
  rateLimits: RateLimitStateStore;
  /**
   * Who is in voice where, for this instance's snapshots and checks. In memory: the local Gateway
   * client's cache. With several instances: a view every instance can read, not only the holder.
   * Call once, right after building the Gateway client: the Redis implementation also attaches
   * the holder's side (voice state written to Redis) to it.
   */
  voiceView(gateway: DiscordGatewayClient): VoiceStateView;
  /**
   * Hands one Gateway event to `route` (the router), or drops it. In memory: always routes. With
   * Redis: only the lease holder routes, inside the event's fence (see GatewayEventGate).
   */
  routeGatewayEvent(event: GatewayDomainEvent, route: () => Promise<void>): void;
  /** The Discord connection's status as every browser should see it (R-RT9); publishes its changes. */
  gatewayStatus(gateway: DiscordGatewayClient): GatewayStatusView;
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
  const bus = new MemoryEventBus();
  return {
    kind: 'memory',
    instanceId: randomUUID(),
    bus,
    roomStore: new MemoryRoomStore(() => options.clock.now()),
    leader: new SingleInstanceLeader(),
    gatewayLease: new AlwaysHolderLease(),
    gatewaySessions: new MemorySessionInfoStore(),
    gatewayStartOptions: async () => ({}),
    refreshes: localRefreshCoordinator,
    revocations: new MemorySessionRevocations(() => options.clock.now()),
    rateLimits: new InMemoryRateLimitStateStore(),
    voiceView: (gateway) => gateway.cache,
    routeGatewayEvent: (_event, route) => void route(),
    gatewayStatus: (gateway) => localGatewayStatus(gateway, bus),
    ping: async () => true,
    async close() {
      await bus.close();
    },
  };
}
