import { type DiscordGatewayClient, GatewayState } from '@repo/discord-gateway';
import type { GatewayStatusPayload } from '@repo/protocol';
import type { Logger } from 'pino';
import { runFenced } from './gateway-fence.ts';
import type { GatewayLease } from './gateway-lease.ts';

/** The Discord connection's status as browsers see it (R-RT9): sent on connect and on every change. */
export interface GatewayStatusView {
  current(): GatewayStatusPayload;
}

/**
 * Where the status goes: to every connection on every instance (the composition root connects it
 * to the event bus), and, with several instances, retained there so any instance can repeat it.
 */
export interface GatewayStatusChannel {
  publish(status: GatewayStatusPayload): Promise<unknown>;
  /** The last status any instance published (retained); undefined before the first. */
  lastPublished(): GatewayStatusPayload | undefined;
}

export function gatewayStatusOf(gateway: DiscordGatewayClient): GatewayStatusPayload {
  const { state } = gateway.status();
  return { live: state === GatewayState.Connected, state };
}

/** One process: its own Gateway client is the truth; every change goes to every connection. */
export function localGatewayStatus(gateway: DiscordGatewayClient, channel: Pick<GatewayStatusChannel, 'publish'>): GatewayStatusView {
  gateway.on('gateway.state', () => void channel.publish(gatewayStatusOf(gateway)));
  return { current: () => gatewayStatusOf(gateway) };
}

/**
 * Several instances: only the lease holder's Gateway client says anything (a standby's is simply
 * not connected, and a holder that lost the lease must not announce its own disconnect over its
 * successor's CONNECTED). Its changes are published fenced and retained in Redis, so an instance
 * that starts later, or a standby, answers with the holder's last word.
 */
export function clusterGatewayStatus(options: { gateway: DiscordGatewayClient; channel: GatewayStatusChannel; lease: GatewayLease; log: Logger }): GatewayStatusView {
  const { gateway, channel, lease, log } = options;
  gateway.on('gateway.state', () => {
    const token = lease.fencingToken();
    if (token === null) return;
    runFenced({ token, sessionId: null, sequence: 0, index: 0, publishes: 0 }, () =>
      channel.publish(gatewayStatusOf(gateway)).catch((error: unknown) => log.warn({ err: error }, 'Gateway status not published')),
    );
  });
  return {
    current: () => {
      if (lease.isHolder()) return gatewayStatusOf(gateway);
      return channel.lastPublished() ?? { live: false, state: GatewayState.Disconnected };
    },
  };
}
