import type { DiscordGatewayClient, GatewayStartOptions } from '@repo/discord-gateway';
import type { Logger } from 'pino';
import type { GatewayLease } from './gateway-lease.ts';

export interface GatewayLeaseRunnerOptions {
  lease: GatewayLease;
  gateway: Pick<DiscordGatewayClient, 'start' | 'stop'>;
  /** Read each time the lease is won (a takeover seeds from what the previous holder left). */
  startOptions(): Promise<GatewayStartOptions>;
  /** Whether a stop keeps the resume state for the next holder (several instances) or drops it. */
  keepSessionOnStop: boolean;
  guildId: string;
  /** `Gateway Init`. */
  log: Logger;
}

/**
 * The hand-over: this instance connects to the Discord Gateway while it holds the lease, and
 * disconnects the moment it loses it (always the holder without Redis). The others stand by.
 */
export class GatewayLeaseRunner {
  readonly #o: GatewayLeaseRunnerOptions;
  // A lease lost and won back: the new connection starts once the old one has written its session.
  #stopping: Promise<void> = Promise.resolve();

  constructor(options: GatewayLeaseRunnerOptions) {
    this.#o = options;
  }

  /** Competes for the lease; connects now if it is won at once, else stands by. */
  start(): void {
    const { lease, gateway, log } = this.#o;
    lease.start({
      onAcquired: (fencingToken) => {
        log.info({ guildId: this.#o.guildId, fencingToken }, 'holding the Gateway lease: connecting to the Discord Gateway');
        // Read after the previous connection's stop has flushed its session: the seed must see it.
        const connecting = this.#stopping
          .then(() => this.#o.startOptions())
          .then((options) => {
            // The lease may have moved on while the start options were read.
            if (lease.fencingToken() !== fencingToken) return;
            return gateway.start(options);
          });
        connecting.catch((error: unknown) => log.error({ err: error }, 'the Gateway refused the bot; live voice presence is unavailable'));
      },
      onLost: () => {
        log.warn('lost the Gateway lease: disconnecting (another instance takes over)');
        this.#stopping = gateway.stop({ keepSession: true });
      },
    });
  }

  /**
   * Disconnects, then gives the lease up. In that order: the resume state is written under the
   * lease (Redis refuses it from a former holder), so a successor finds it and RESUMEs.
   */
  async stop(): Promise<void> {
    await this.#o.gateway.stop({ keepSession: this.#o.keepSessionOnStop });
    await this.#o.lease.stop();
  }
}
