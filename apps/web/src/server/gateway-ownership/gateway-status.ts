import { GatewayState, type ShardedGateway } from '@repo/discord-gateway';
import type { GatewayStatusPayload } from '@repo/protocol';
import type { Logger } from 'pino';
import { runFenced } from './gateway-fence.ts';
import type { ShardLeases } from './gateway-lease.ts';

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

export function gatewayStatusOf(gateway: Pick<ShardedGateway, 'status'>): GatewayStatusPayload {
  const { state } = gateway.status();
  return { live: state === GatewayState.Connected, state };
}

/** One process: its own Gateway client is the truth; every change goes to every connection. */
export function localGatewayStatus(gateway: Pick<ShardedGateway, 'status' | 'on'>, channel: Pick<GatewayStatusChannel, 'publish'>): GatewayStatusView {
  gateway.on('gateway.state', () => void channel.publish(gatewayStatusOf(gateway)));
  return { current: () => gatewayStatusOf(gateway) };
}

/** Worst first, as ShardedGateway ranks its shards. */
const RANK: Record<string, number> = { DISCONNECTED: 4, RECONNECTING: 3, CONNECTING: 2, IDENTIFYING: 1, CONNECTED: 0 };

/** The whole Gateway's status from every shard's reported state: live only when every shard is CONNECTED. */
export function clusterStatusOf(shardCount: number, states: ReadonlyMap<number, string>): GatewayStatusPayload {
  let worst: GatewayState = GatewayState.Connected;
  for (let id = 0; id < shardCount; id++) {
    const state = (states.get(id) ?? GatewayState.Disconnected) as GatewayState;
    if ((RANK[state] ?? 4) > RANK[worst]!) worst = state in RANK ? state : GatewayState.Disconnected;
  }
  return { live: worst === GatewayState.Connected, state: worst };
}

/**
 * Several instances, several shards: each shard's holder reports its shard's state to Redis
 * (fenced by that shard's lease, so a former holder cannot), and publishes the whole Gateway's
 * status computed from every shard's last report (a shard nobody reported counts as
 * DISCONNECTED), retained, so any instance can repeat it. Two holders reporting at the same
 * moment may publish in the other order; the next change of any shard corrects it.
 */
export function clusterGatewayStatus(options: { gateway: Pick<ShardedGateway, 'status' | 'shard' | 'shardCount' | 'onShardState'>; channel: GatewayStatusChannel; leases: ShardLeases; log: Logger }): GatewayStatusView {
  const { gateway, channel, leases, log } = options;
  gateway.onShardState((change) => {
    const shardId = change.shardId;
    const token = leases.fencingToken(shardId);
    if (token === null) return;
    void leases
      .reportState(shardId, gateway.shard(shardId).status().state)
      .then((states) => runFenced({ token, shardId, sessionId: null, sequence: 0, index: 0, publishes: 0 }, () => channel.publish(clusterStatusOf(gateway.shardCount, states))))
      .catch((error: unknown) => log.warn({ err: error, shardId }, 'Gateway status not published'));
  });
  return {
    current: () => {
      if (leases.heldShards().length === gateway.shardCount) return gatewayStatusOf(gateway);
      return channel.lastPublished() ?? { live: false, state: GatewayState.Disconnected };
    },
  };
}
