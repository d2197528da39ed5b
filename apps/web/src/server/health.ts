import { GatewayState } from '@repo/discord-gateway';
import type { CapacityStatus } from './rooms/guild-capacity.ts';
import type { Services } from './services.ts';

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
export interface PublicHealth {
  status: Health['status'];
  instanceId: string;
  gateway: { state: string; holder: boolean; identifyBlockedUntil?: string };
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

/** Liveness + readiness, with what an operator needs to see why. */
export async function health(services: Services): Promise<{ ok: boolean; body: Health }> {
  const status = services.gateway.status();
  const holder = services.infra.isGatewayHolder();
  const redisOk = services.infra.kind === 'redis' ? await services.infra.ping() : true;
  const roomsRestored = services.roomsRestored();
  const ok = isReady({ redisOk, holder, connected: status.state === GatewayState.Connected, clustered: services.infra.kind === 'redis', roomsRestored });
  const body: Health = {
    status: ok ? 'ok' : 'degraded',
    instanceId: services.instanceId,
    uptimeSeconds: Math.round((services.clock.now() - services.startedAt) / 1000),
    gateway: {
      state: status.state,
      holder,
      ...(status.sessionId ? { sessionId: status.sessionId } : {}),
      seq: status.sequence,
      heartbeatAckMs: status.heartbeatLatencyMs,
      reconnects: status.reconnectCount,
      ...(status.identifyBlockedUntil !== null ? { identifyBlockedUntil: new Date(status.identifyBlockedUntil).toISOString() } : {}),
    },
    connections: services.hub.connectionCount,
    roomsRestored,
    rooms: await services.rooms.store.count(),
    capacity: await services.placement.status().catch(() => null),
    ...(services.infra.kind === 'redis' ? { redis: redisOk ? ('ok' as const) : ('unreachable' as const) } : {}),
    // Only in development, where the emulator runs inside this process.
    ...(services.discord.emulatorUrl ? { emulatorUrl: services.discord.emulatorUrl } : {}),
  };
  return { ok, body };
}
