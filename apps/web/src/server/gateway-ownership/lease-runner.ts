import type { GatewayStartOptions, ShardedGateway } from '@repo/discord-gateway';
import type { Logger } from 'pino';
import type { ShardLeases } from './gateway-lease.ts';

export interface GatewayLeaseRunnerOptions {
  leases: ShardLeases;
  gateway: Pick<ShardedGateway, 'shardCount' | 'startShard' | 'stopShard'>;
  /** Read each time a shard's lease is won (a takeover seeds from what the previous holder left). */
  startOptions(shardId: number): Promise<GatewayStartOptions>;
  /** Whether a stop keeps the resume state for the next holder (several instances) or drops it. */
  keepSessionOnStop: boolean;
  /** `Gateway Init`. */
  log: Logger;
}

/**
 * The hand-over, per shard: this instance connects a Gateway shard while it holds that shard's
 * lease, and disconnects it the moment it loses it or the balancer gives it away (every shard,
 * always, without Redis). specs/sharding.md.
 */
export class GatewayLeaseRunner {
  readonly #o: GatewayLeaseRunnerOptions;
  // A shard lost and won back: its new connection starts once the old one has written its session.
  readonly #stopping = new Map<number, Promise<void>>();

  constructor(options: GatewayLeaseRunnerOptions) {
    this.#o = options;
  }

  /** Competes for the shards' leases; connects each shard won, stands by for the others. */
  start(): void {
    const { leases, gateway, log } = this.#o;
    leases.start(gateway.shardCount, {
      onAcquired: (shardId, fencingToken) => {
        log.info({ shardId, shardCount: gateway.shardCount, fencingToken }, 'holding the shard lease: connecting the shard to the Discord Gateway');
        // Read after the previous connection's stop has flushed its session: the seed must see it.
        const connecting = (this.#stopping.get(shardId) ?? Promise.resolve())
          .then(() => this.#o.startOptions(shardId))
          .then((options) => {
            // The lease may have moved on while the start options were read.
            if (leases.fencingToken(shardId) !== fencingToken) return;
            return gateway.startShard(shardId, options);
          });
        connecting.catch((error: unknown) => log.error({ err: error, shardId }, 'the Gateway refused the bot; live voice presence is unavailable'));
      },
      onLost: (shardId) => {
        log.warn({ shardId }, 'lost the shard lease: disconnecting the shard (another instance takes over)');
        this.#stopping.set(shardId, gateway.stopShard(shardId, { keepSession: true }));
      },
      handOver: (shardId) => {
        const stopping = gateway.stopShard(shardId, { keepSession: true });
        this.#stopping.set(shardId, stopping);
        return stopping;
      },
    });
  }

  /**
   * Disconnects every shard, then gives the leases up. In that order: the resume state is written
   * under the lease (Redis refuses it from a former holder), so a successor finds it and RESUMEs.
   */
  async stop(): Promise<void> {
    const { gateway, leases, keepSessionOnStop } = this.#o;
    await Promise.all(Array.from({ length: gateway.shardCount }, (_, id) => gateway.stopShard(id, { keepSession: keepSessionOnStop })));
    await leases.stop();
  }
}
