// Gateway ownership: which process holds the Discord Gateway connection, and what every process
// knows of it (who is in voice, the connection's status). One process always holds it
// (SingleInstanceOwnership, below); with REDIS_URL a lease picks the holder, a fence makes Redis
// refuse a former holder's writes, and the resume state and voice state live in Redis so that a
// successor RESUMEs where the holder stopped (redis-gateway-ownership.ts). specs/scale-out.md.
import type { DiscordGatewayClient, GatewayDomainEvent, GatewayStartOptions, SessionInfoStore, VoiceStateView } from '@repo/discord-gateway';
import { MemorySessionInfoStore } from '@repo/discord-gateway';
import { AlwaysHolderLease, type GatewayLease } from './gateway-lease.ts';
import { type GatewayStatusChannel, type GatewayStatusView, localGatewayStatus } from './gateway-status.ts';

export interface GatewayOwnership {
  /** Who holds the Gateway connection (the lease runner starts and stops the client with it). */
  readonly lease: GatewayLease;
  /** The Gateway resume state (session id, sequence, resume URL), for the Gateway client. */
  readonly sessions: SessionInfoStore;
  /**
   * Takes the Gateway client in, once, right after it is built (it needs `sessions`): what the rest
   * of the app reads of the Gateway comes back, so nothing can route an event before this ran.
   */
  attach(gateway: DiscordGatewayClient): AttachedGateway;
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
   * Several: only the lease holder, inside the event's fence (see GatewayEventGate).
   */
  route(event: GatewayDomainEvent, handle: () => Promise<void>): void;
  /**
   * How to start the Gateway once this instance holds the lease. One process: as it is (its own
   * cache). Several: as a takeover, seeded with what the previous holder published, so the
   * RESUME's replay continues from it (R-SCALE2).
   */
  startOptions(): Promise<GatewayStartOptions>;
}

/** One process (R-SCALE1): it always holds the Gateway, and its client's cache is the truth. */
export class SingleInstanceOwnership implements GatewayOwnership {
  readonly lease = new AlwaysHolderLease();
  readonly sessions = new MemorySessionInfoStore();
  readonly #status: Pick<GatewayStatusChannel, 'publish'>;

  constructor(status: Pick<GatewayStatusChannel, 'publish'>) {
    this.#status = status;
  }

  attach(gateway: DiscordGatewayClient): AttachedGateway {
    return {
      voice: gateway.cache,
      status: localGatewayStatus(gateway, this.#status),
      route: (_event, handle) => void handle(),
      startOptions: async () => ({}),
    };
  }
}
