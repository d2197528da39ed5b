import { GatewayState, type ShardedGateway } from '@repo/discord-gateway';
import type { Clock } from '@repo/platform';
import type { CapacityStatus } from './rooms/guild-capacity.ts';

export interface Health {
  status: 'ok' | 'degraded';
  instanceId: string;
  uptimeSeconds: number;
  gateway: {
    state: string;
    /** This instance holds the Gateway lease (always, without Redis). */
    holder: boolean;
    sessionId?: string;
    seq: number | null;
    heartbeatAckMs: number | null;
    reconnects: number;
    /** Discord has no session start (IDENTIFY) left for the bot: the client waits until then (ISO time). */
    identifyBlockedUntil?: string;
  };
  /**
   * The Gateway's shards: each one's holder (instance id, null: nobody holds it now) and the state
   * its holder last reported (null when unknown). specs/sharding.md.
   */
  shards: ShardHealth[];
  connections: number;
  /** False while the rooms are read back from Discord after a start (room requests wait meanwhile). */
  roomsRestored: boolean;
  rooms: number;
  /** Channels and roles of the Discord server and how many more rooms fit; null when Discord could not be asked. */
  capacity: CapacityStatus | null;
  redis?: 'ok' | 'unreachable';
  emulatorUrl?: string;
}

/**
 * What anyone may see: readiness and its reasons (the Gateway's state, whether this instance holds
 * it, Redis), and what the lobby shows anyway (instance id, open connections). The Gateway session
 * id (enough, with the bot token, to resume the bot's session), sequence numbers, latencies, uptime
 * and room counts are for operators: `Authorization: Bearer $METRICS_TOKEN`, as for /api/metrics.
 */
export interface ShardHealth {
  id: number;
  state: string | null;
  holder: string | null;
}

export interface PublicHealth {
  status: Health['status'];
  instanceId: string;
  gateway: { state: string; holder: boolean; identifyBlockedUntil?: string };
  /** Which instance holds which shard: a reason an instance has no Gateway of its own, like `holder`. */
  shards: ShardHealth[];
  connections: number;
  roomsRestored: boolean;
  redis?: Health['redis'];
  emulatorUrl?: string;
}

export function publicHealth(health: Health): PublicHealth {
  return {
    status: health.status,
    instanceId: health.instanceId,
    gateway: {
      state: health.gateway.state,
      holder: health.gateway.holder,
      // A reason the instance is not ready, like the state: public.
      ...(health.gateway.identifyBlockedUntil ? { identifyBlockedUntil: health.gateway.identifyBlockedUntil } : {}),
    },
    shards: health.shards,
    connections: health.connections,
    // A reason the instance is not ready yet: public, so a load balancer routes around it.
    roomsRestored: health.roomsRestored,
    ...(health.redis ? { redis: health.redis } : {}),
    ...(health.emulatorUrl ? { emulatorUrl: health.emulatorUrl } : {}),
  };
}

/**
 * Readiness (R-OPS2, R-GW6): the rooms are read back after a start (until then room requests wait,
 * so a load balancer should send them elsewhere), Redis answers when there is one, and the Gateway
 * is CONNECTED, or this instance is a standby (another holds the lease).
 */
export function isReady(s: { redisOk: boolean; holder: boolean; connected: boolean; clustered: boolean; roomsRestored: boolean }): boolean {
  return s.roomsRestored && s.redisOk && (s.holder ? s.connected : s.clustered);
}

/** What the health answer reads, each from the part that knows it. */
export interface HealthSources {
  instanceId: string;
  startedAt: number;
  clock: Pick<Clock, 'now'>;
  gateway: Pick<ShardedGateway, 'status'>;
  /** This instance holds at least one shard's lease (every shard, always, without Redis). */
  isGatewayHolder(): boolean;
  /** Every shard's holder and state (Redis: the leases and the holders' reports). */
  shards(): Promise<ShardHealth[]>;
  /** Redis when the instance runs with it (REDIS_URL), null otherwise. */
  redis: { ping(): Promise<boolean> } | null;
  roomsRestored(): boolean;
  connections(): number;
  rooms(): Promise<number>;
  capacity(): Promise<CapacityStatus>;
  /** The emulator's URL when it runs inside this process (development). */
  emulatorUrl: string | undefined;
}

/** Liveness + readiness, with what an operator needs to see why. */
export async function checkHealth(sources: HealthSources): Promise<{ ok: boolean; body: Health }> {
  const status = sources.gateway.status();
  const holder = sources.isGatewayHolder();
  const redisOk = sources.redis ? await sources.redis.ping() : true;
  const roomsRestored = sources.roomsRestored();
  const ok = isReady({ redisOk, holder, connected: status.state === GatewayState.Connected, clustered: sources.redis !== null, roomsRestored });
  const body: Health = {
    status: ok ? 'ok' : 'degraded',
    instanceId: sources.instanceId,
    uptimeSeconds: Math.round((sources.clock.now() - sources.startedAt) / 1000),
    gateway: {
      state: status.state,
      holder,
      ...(status.sessionId ? { sessionId: status.sessionId } : {}),
      seq: status.sequence,
      heartbeatAckMs: status.heartbeatLatencyMs,
      reconnects: status.reconnectCount,
      ...(status.identifyBlockedUntil !== null ? { identifyBlockedUntil: new Date(status.identifyBlockedUntil).toISOString() } : {}),
    },
    shards: await sources.shards().catch(() => []),
    connections: sources.connections(),
    roomsRestored,
    rooms: await sources.rooms(),
    capacity: await sources.capacity().catch(() => null),
    ...(sources.redis ? { redis: redisOk ? ('ok' as const) : ('unreachable' as const) } : {}),
    // Only in development, where the emulator runs inside this process.
    ...(sources.emulatorUrl ? { emulatorUrl: sources.emulatorUrl } : {}),
  };
  return { ok, body };
}
