import { randomUUID } from 'node:crypto';
import { InMemoryRateLimitStateStore, type RateLimitStateStore } from '@repo/discord-rest';
import type { Clock } from '@repo/platform';
import { localRefreshCoordinator, type RefreshCoordinator } from '../auth/refresh-coordinator.ts';
import { MemorySessionRevocations, type SessionRevocations } from '../auth/session-revocations.ts';
import { MemorySiteUsers, type SiteUsers } from '../auth/site-users.ts';
import { type GatewayOwnership, SingleInstanceOwnership } from '../gateway-ownership/gateway-ownership.ts';
import { type GuildRegistry, MemoryGuildRegistry } from '../guilds/guild-registry.ts';
import { type GuildSettingsStore, MemoryGuildSettingsStore } from '../guilds/guild-settings.ts';
import { ALL_TOPIC, type EventBus, MemoryEventBus } from '../realtime/event-bus.ts';
import { type LeaderGuard, SingleInstanceLeader } from '../rooms/leader.ts';
import { MemoryRoomStore, type RoomStore } from '../rooms/room-store.ts';

/**
 * The swappable parts (discord.js style: transport, orchestration and policy apart). Embedded
 * default (R-SCALE1): everything in memory, one process, no Redis client loaded. With REDIS_URL the
 * scale-out implementations take their places (R-SCALE2, redis-infrastructure.ts); see
 * specs/scale-out.md.
 */
export interface Infrastructure {
  kind: 'memory' | 'redis';
  /** This process, in logs, health, the Gateway lease and every bus message it publishes. */
  instanceId: string;
  bus: EventBus;
  roomStore: RoomStore;
  /** Runs the cleanup job (and the start-up reconcile) on one instance at a time. */
  leader: LeaderGuard;
  /** Who holds the Discord Gateway connection, and what every instance knows of it. */
  gateway: GatewayOwnership;
  /** One Discord token refresh per refresh token, across instances. */
  refreshes: RefreshCoordinator;
  /** Sign-ins ended by logout, refused by every instance. */
  revocations: SessionRevocations;
  /** Who has signed in to the site (the voice list's "not a player" mark). */
  siteUsers: SiteUsers;
  /** The bot token's REST budget. */
  rateLimits: RateLimitStateStore;
  /** The servers the bot is in, as the Gateway's shard holders saw them (guilds/). */
  guildRegistry: GuildRegistry;
  /** What each server's admins set. */
  guildSettings: GuildSettingsStore;
  /** Redis, when there is one: whether it answers (health). Null in memory. */
  redis: { ping(): Promise<boolean> } | null;
  close(): Promise<void>;
}

/** The event the Gateway status travels as, on the `all` topic (R-RT9). */
export const GATEWAY_STATUS_EVENT = 'gateway.status';

/** One process, no REDIS_URL: every part in memory (nothing to connect). */
export function memoryInfrastructure(clock: Clock): Infrastructure {
  const bus = new MemoryEventBus();
  const instanceId = randomUUID();
  return {
    kind: 'memory',
    instanceId,
    bus,
    roomStore: new MemoryRoomStore(() => clock.now()),
    leader: new SingleInstanceLeader(),
    gateway: new SingleInstanceOwnership({ publish: (status) => bus.publish(ALL_TOPIC, GATEWAY_STATUS_EVENT, { ...status }) }, instanceId),
    refreshes: localRefreshCoordinator,
    revocations: new MemorySessionRevocations(() => clock.now()),
    siteUsers: new MemorySiteUsers(),
    rateLimits: new InMemoryRateLimitStateStore(),
    guildRegistry: new MemoryGuildRegistry(),
    guildSettings: new MemoryGuildSettingsStore(),
    redis: null,
    async close() {
      await bus.close();
    },
  };
}
