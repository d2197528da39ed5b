// Gateway ownership: which process holds the Discord Gateway connection, and what every process
// knows of it (who is in voice, the connection's status). One process always holds it
// (SingleInstanceOwnership, below); with REDIS_URL a lease picks the holder, a fence makes Redis
// refuse a former holder's writes, and the resume state and voice state live in Redis so that a
// successor RESUMEs where the holder stopped (redis-gateway-ownership.ts). specs/scale-out.md.
import type { GatewayDomainEvent, GatewayStartOptions, IdentifyThrottle, SessionInfoStore, ShardedGateway, VoiceStateView } from '@repo/discord-gateway';
import { MemorySessionInfoStore } from '@repo/discord-gateway';
import { AllShardsLeases, type ShardLeases } from './gateway-lease.ts';
import { type GatewayStatusChannel, type GatewayStatusView, localGatewayStatus } from './gateway-status.ts';

export interface GatewayOwnership {
  /** Who holds which Gateway shard (the lease runner starts and stops each shard with its lease). */
  readonly leases: ShardLeases;
  /** The Gateway resume state per shard (session id, sequence, resume URL), for the Gateway client. */
  readonly sessions: SessionInfoStore;
  /**
   * Discord's identify concurrency across every process that may identify a shard of the bot
   * (`shard_id % max_concurrency` buckets); undefined: the Gateway's own, in this process.
   */
  identifyThrottle(maxConcurrency: number): IdentifyThrottle | undefined;
  /**
   * Takes the Gateway client in, once, right after it is built (it needs `sessions`): what the rest
   * of the app reads of the Gateway comes back, so nothing can route an event before this ran.
   */
  attach(gateway: ShardedGateway): AttachedGateway;
}

export interface AttachedGateway {
  /**
   * Who is in voice where, for this instance's snapshots and checks. One process: its own Gateway
   * client's cache. Several: a view every instance reads, not only the holder.
   */
  readonly voice: VoiceStateView;
  /** The Discord connection's status as every browser should see it (R-RT9); publishes its changes. */
  readonly status: GatewayStatusView;
  /**
   * Hands one Gateway event to `handle` (the router), or drops it. One process: always handles.
   * Several: only the holder of the event's shard, inside the event's fence (see GatewayEventGate).
   */
  route(event: GatewayDomainEvent, handle: () => Promise<void>): void;
  /**
   * How to start the Gateway once this instance holds the lease. One process: as it is (its own
   * cache). Several: as a takeover, seeded with what the previous holder published, so the
   * RESUME's replay continues from it (R-SCALE2).
   */
  startOptions(shardId: number): Promise<GatewayStartOptions>;
}

/** One process (R-SCALE1): it always holds the Gateway, and its client's cache is the truth. */
export class SingleInstanceOwnership implements GatewayOwnership {
  readonly leases: AllShardsLeases;
  readonly sessions = new MemorySessionInfoStore();
  readonly #status: Pick<GatewayStatusChannel, 'publish'>;

  constructor(status: Pick<GatewayStatusChannel, 'publish'>, instanceId: string) {
    this.#status = status;
    this.leases = new AllShardsLeases(instanceId);
  }

  identifyThrottle(): undefined {
    return undefined;
  }

  attach(gateway: ShardedGateway): AttachedGateway {
    gateway.onShardState((change) => void this.leases.reportState(change.shardId, change.state));
    return {
      voice: gateway.cache,
      status: localGatewayStatus(gateway, this.#status),
      route: (_event, handle) => void handle(),
      startOptions: async () => ({}),
    };
  }
}
