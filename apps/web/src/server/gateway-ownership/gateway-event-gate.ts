import type { GatewayDomainEvent, ShardedGateway } from '@repo/discord-gateway';
import type { Logger } from 'pino';
import type { Clock } from '@repo/platform';
import { type GatewayFence, runFenced } from './gateway-fence.ts';
import type { ShardLeases } from './gateway-lease.ts';
import type { RedisVoiceStateWriter } from './redis-voice-state.ts';

export interface GatewayEventGateOptions {
  leases: ShardLeases;
  gateway: Pick<ShardedGateway, 'shard'>;
  /** Per shard; shared with the resume-state store, which never stores a sequence past what is in flight. */
  inFlight: ShardDispatchesInFlight;
  /** The shard's session read from Redis at connect: the one a takeover resumes before any READY. */
  loadedSessionId(shardId: number): string | null;
  voice: RedisVoiceStateWriter;
  clock: Clock;
  log: Logger;
}

/**
 * The door every Gateway event passes on its way to the router (R-SCALE2):
 *
 * Per shard: each event carries its shard, and only that shard's lease and fencing token count.
 *
 * 1. A process that is not the shard's lease holder (it lost the lease, or was paused past it) drops the
 *    event on the spot: it stops consuming at once.
 * 2. Otherwise the event's work runs inside its fence (token + stream position, see
 *    gateway-fence.ts), starting with the voice-state write, so Redis can still refuse it if the
 *    lease moved meanwhile, and drop it if a successor already published it.
 * 3. Events in flight are counted (DispatchesInFlight), so the stored resume point never passes an
 *    event that has not been published yet (RedisSessionInfoStore).
 */
export class GatewayEventGate {
  readonly #o: GatewayEventGateOptions;
  readonly #last = new Map<number, { sessionId: string | null; sequence: number; index: number }>();
  #dropped = 0;
  #queue: Promise<void> = Promise.resolve();
  #lastDropLogAt = 0;

  constructor(options: GatewayEventGateOptions) {
    this.#o = options;
  }

  handle(event: GatewayDomainEvent, route: () => Promise<void>): void {
    const { leases, gateway, voice, log } = this.#o;
    const shardId = event.shardId;
    const token = leases.fencingToken(shardId);
    if (token === null) {
      this.#dropped++;
      const now = this.#o.clock.now();
      if (now - this.#lastDropLogAt > 5_000) {
        this.#lastDropLogAt = now;
        log.warn({ dropped: this.#dropped, shardId, event: event.type, sequence: event.sequence }, "not the shard's lease holder: dropping its Gateway events");
      }
      return;
    }
    const sessionId = gateway.shard(shardId).status().sessionId ?? this.#o.loadedSessionId(shardId);
    const last = this.#last.get(shardId);
    const index = last && last.sessionId === sessionId && last.sequence === event.sequence ? last.index + 1 : 0;
    this.#last.set(shardId, { sessionId, sequence: event.sequence, index });
    const fence: GatewayFence = { token, shardId, sessionId, sequence: event.sequence, index, publishes: 0 };
    const inFlight = this.#o.inFlight.of(shardId);

    inFlight.begin(event.sequence);
    // One event after another: the router is a queue already, and the voice write of an event
    // must reach Redis after the previous event's room publishes (the replay marker only moves
    // forward) and before its own (whoever sees the room event must see the voice state).
    this.#queue = this.#queue.then(() =>
      runFenced(fence, () => {
        // Issued now, ahead of the router's first command on the same connection.
        const written = voice.record(event)?.catch((error: unknown) => log.warn({ err: error, event: event.type }, 'voice state not written to Redis'));
        return Promise.allSettled([written, route()]).then(() => inFlight.end(event.sequence));
      }),
    );
  }

}

/**
 * The Gateway dispatches whose events are still being handled. Its own object because two parts
 * read it and neither owns the other: the event gate counts events in and out, and the resume-state
 * store, built before the Gateway client (which the gate needs), caps the stored sequence with it.
 */
export class DispatchesInFlight {
  /** Sequence → events of that dispatch still being handled. */
  readonly #inFlight = new Map<number, number>();

  begin(sequence: number): void {
    this.#inFlight.set(sequence, (this.#inFlight.get(sequence) ?? 0) + 1);
  }

  end(sequence: number): void {
    const left = (this.#inFlight.get(sequence) ?? 1) - 1;
    if (left <= 0) this.#inFlight.delete(sequence);
    else this.#inFlight.set(sequence, left);
  }

  /** The highest dispatch sequence with nothing left in flight at or below it (Infinity when idle). */
  handledThrough(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const sequence of this.#inFlight.keys()) if (sequence < lowest) lowest = sequence;
    return lowest - 1;
  }
}

/** One DispatchesInFlight per shard (sequences are numbered per shard session). */
export class ShardDispatchesInFlight {
  readonly #shards = new Map<number, DispatchesInFlight>();

  of(shardId: number): DispatchesInFlight {
    let inFlight = this.#shards.get(shardId);
    if (!inFlight) {
      inFlight = new DispatchesInFlight();
      this.#shards.set(shardId, inFlight);
    }
    return inFlight;
  }
}
