import { type DiscordGatewayClient, GatewayState } from '@repo/discord-gateway';
import type { GatewayStatusPayload } from '@repo/protocol';
import type { Logger } from 'pino';
import { ALL_TOPIC, type EventBus } from '../realtime/event-bus.ts';
import type { RedisEventBus } from '../realtime/redis-event-bus.ts';
import { runFenced } from './gateway-fence.ts';
import type { GatewayLease } from './gateway-lease.ts';

export const GATEWAY_STATUS_EVENT = 'gateway.status';

/** The Discord connection's status as browsers see it (R-RT9): sent on connect and on every change. */
export interface GatewayStatusView {
  current(): GatewayStatusPayload;
}

export function gatewayStatusOf(gateway: DiscordGatewayClient): GatewayStatusPayload {
  const { state } = gateway.status();
  return { live: state === GatewayState.Connected, state };
}

/** One process: its own Gateway client is the truth; every change goes to every connection. */
export function localGatewayStatus(gateway: DiscordGatewayClient, bus: EventBus): GatewayStatusView {
  gateway.on('gateway.state', () => void bus.publish(ALL_TOPIC, GATEWAY_STATUS_EVENT, { ...gatewayStatusOf(gateway) }));
  return { current: () => gatewayStatusOf(gateway) };
}

/**
 * Several instances: only the lease holder's Gateway client says anything (a standby's is simply
 * not connected, and a holder that lost the lease must not announce its own disconnect over its
 * successor's CONNECTED). Its changes are published fenced and retained in Redis, so an instance
 * that starts later, or a standby, answers with the holder's last word.
 */
export function clusterGatewayStatus(options: { gateway: DiscordGatewayClient; bus: RedisEventBus; lease: GatewayLease; log: Logger }): GatewayStatusView {
  const { gateway, bus, lease, log } = options;
  gateway.on('gateway.state', () => {
    const token = lease.fencingToken();
    if (token === null) return;
    runFenced({ token, sessionId: null, sequence: 0, index: 0, publishes: 0 }, () =>
      bus.publish(ALL_TOPIC, GATEWAY_STATUS_EVENT, { ...gatewayStatusOf(gateway) }).catch((error: unknown) => log.warn({ err: error }, 'Gateway status not published')),
    );
  });
  return {
    current: () => {
      if (lease.isHolder()) return gatewayStatusOf(gateway);
      const retained = bus.retained(ALL_TOPIC, GATEWAY_STATUS_EVENT);
      return retained ? (retained as unknown as GatewayStatusPayload) : { live: false, state: GatewayState.Disconnected };
    },
  };
}
