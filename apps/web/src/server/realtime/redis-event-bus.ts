import { RevocationReason, ServerEvent, isRoomEvent } from '@repo/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { BUS_LUA_PRELUDE, fenceArgs, messageBody } from '../redis/bus-lua.ts';
import type { RedisKeys } from '../redis/redis-keys.ts';
import {
  type BusEventName,
  type BusHandler,
  type BusMessage,
  type BusPayload,
  type EventBus,
  type Revocation,
  type RevocationHandler,
  assertPublishable,
  busMessage,
  isNumbered,
} from './event-bus.ts';
import { type RedisOrderedChannel, type WireMessage, isSideTopic } from './redis-ordered-channel.ts';

export const RedisBusDefaults = {
  /** A room's sequence counter outlives its last event by this much (rooms idle for 1 h are closed). */
  seqTtlMs: 2 * 24 * 60 * 60 * 1000,
} as const;

export type RedisBusTuning = { -readonly [K in keyof typeof RedisBusDefaults]: number };

/**
 * Where a publish sits in the Gateway's stream, for the publish script to check in Redis: the
 * lease's fencing token when the Gateway event was received, and the event's position (see
 * gateway-ownership/gateway-fence.ts). The bus numbers the publishes it makes under one claim.
 */
export interface PublishClaim {
  token: number;
  /** The Gateway shard whose lease the token belongs to (each shard has its own lease and replay marker). */
  shardId: number;
  sessionId: string | null;
  sequence: number;
  index: number;
  /** Publishes made so far under this claim (the next one's number). */
  publishes: number;
}

/**
 * Who may publish: injected, so the bus knows nothing of Gateway leases. A publish made under a
 * claim is refused by Redis when the claim's token is no longer the lease's (a stale holder), and
 * dropped when Redis already has it (a replay after a takeover); a publish under no claim (HTTP,
 * cleanup) is never refused.
 */
export interface PublishGuard {
  /** The claim of the publish about to be made, if it is Gateway-driven. */
  current(): PublishClaim | undefined;
  /** What a refused publish fails with. */
  refused(token: number): Error;
}

const UNGUARDED: PublishGuard = { current: () => undefined, refused: (token) => new Error(`publish refused: fencing token ${token}`) };

/** A revocation on the wire: event `~revoke` on the topic it ends, with this payload. */
const REVOCATION_EVENT = '~revoke';
const WireRevocation = z.object({ u: z.string().nullable(), a: z.enum(['denied', 'closed']), r: RevocationReason.optional() });
type WireRevocation = z.infer<typeof WireRevocation>;

/**
 * Each publishable event's payload as the protocol has it (ServerEvent), without the seq that
 * travels beside it: what comes back from Redis is parsed with it before any hub sees it.
 */
const PAYLOADS: ReadonlyMap<string, z.ZodType> = new Map(
  ServerEvent.options.flatMap((option) => {
    const name = option.shape.event.value;
    if (name === 'room.snapshot') return [];
    const payload = option.shape.payload as z.ZodObject;
    return [[name, isRoomEvent(name) ? payload.omit({ seq: true }) : payload] as const];
  }),
);

const PublishReply = z.tuple([z.enum(['ok', 'stale', 'duplicate']), z.number().int(), z.number().int()]);
const SeqReply = z.tuple([z.coerce.number().int().nonnegative(), z.coerce.number().int().nonnegative()]);

export interface RedisEventBusOptions {
  /** The command connection (shared with the stores: one connection keeps Redis's order ours). */
  redis: Redis;
  /** The guild's channel: position, log and gap repair (it also carries the cluster's side topics). */
  channel: RedisOrderedChannel;
  keys: RedisKeys;
  log: Logger;
  /** This instance, as named in every message it publishes. */
  origin: string;
  /** Gateway fencing; none: no publish is ever refused. */
  guard?: PublishGuard;
  /** Topics whose last payload per event is kept in Redis for instances that start later (`all`). */
  retainedTopics?: readonly string[];
  tuning?: Partial<RedisBusTuning>;
}

const PUBLISH_LUA = `${BUS_LUA_PRELUDE}
-- KEYS: 1 position, 2 log, 3 lease, 4 marker, 5 fenced counter, 6 topic sequence, 7 retained hash
-- ARGV: 1 channel, 2 sharded, 3 body, 4 sequenced, 5-9 fence, 10 log length, 11 sequence ttl,
--       12 retained field ('' = not retained), 13 payload
local verdict = fence_check(KEYS[3], KEYS[4], KEYS[5], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9])
if verdict ~= 'ok' then return {verdict, 0, 0} end
local seq = 'null'
if ARGV[4] == '1' then
  seq = redis.call('INCR', KEYS[6])
  redis.call('PEXPIRE', KEYS[6], ARGV[11])
end
if ARGV[12] ~= '' then redis.call('HSET', KEYS[7], ARGV[12], ARGV[13]) end
local g = emit(KEYS[1], KEYS[2], ARGV[1], ARGV[2], seq, ARGV[3], ARGV[10])
if seq == 'null' then seq = 0 end
return {'ok', g, seq}
`;

const CURRENT_SEQ_LUA = `return {redis.call('GET', KEYS[1]) or '0', redis.call('GET', KEYS[2]) or '0'}`;

/**
 * The event bus across instances (R-SCALE2): topics on the guild's ordered channel.
 *
 * - A publish is one Lua script: the guard's check (Gateway-driven publishes), the room's next
 *   `seq` (INCR), the channel's next position, the log entry and the PUBLISH, all atomic, so
 *   sequence order is publish order and every subscriber sees every room's seqs in order.
 * - Delivery is what the channel hands back, on every instance including the publisher's: each hub
 *   gets each message exactly once, in channel order, parsed against the protocol's schemas.
 */
export class RedisEventBus implements EventBus {
  readonly #o: RedisEventBusOptions;
  readonly #t: RedisBusTuning;
  readonly #log: Logger;
  readonly #guard: PublishGuard;
  readonly #handlers = new Set<BusHandler>();
  readonly #revocationHandlers = new Set<RevocationHandler>();
  readonly #retainedTopics: ReadonlySet<string>;
  readonly #retained = new Map<string, Map<string, unknown>>();
  readonly #detach: Array<() => void>;

  /** Build it before the channel starts: its first resync loads the retained payloads. */
  constructor(options: RedisEventBusOptions) {
    this.#o = options;
    this.#t = { ...RedisBusDefaults, ...options.tuning };
    this.#log = options.log;
    this.#guard = options.guard ?? UNGUARDED;
    this.#retainedTopics = new Set(options.retainedTopics ?? []);
    this.#detach = [options.channel.onMessage((message) => this.#receive(message)), options.channel.onResync(() => this.#loadRetained())];
  }

  async publish<N extends BusEventName>(topic: string, event: N, payload: BusPayload<N>): Promise<BusMessage> {
    if (isSideTopic(topic)) throw new Error(`topic ${topic} is reserved for the cluster's own messages`);
    assertPublishable(event);
    const numbered = isNumbered(event);
    const seq = await this.#emit(topic, event, payload, numbered);
    return busMessage(topic, event, payload, numbered && seq !== null ? seq : null);
  }

  /**
   * A revocation goes out through the same script and channel as the events, so every instance
   * applies it at the same place in the topic's stream; it takes a channel position but no room seq,
   * so subscribers see no gap.
   */
  async revoke(revocation: Revocation): Promise<void> {
    if (isSideTopic(revocation.topic)) throw new Error(`topic ${revocation.topic} is reserved for the cluster's own messages`);
    const wire: WireRevocation = { u: revocation.userId, a: revocation.access, ...(revocation.reason ? { r: revocation.reason } : {}) };
    await this.#emit(revocation.topic, REVOCATION_EVENT, wire, false);
  }

  /** The publish script; null when Redis dropped a replayed Gateway publish it had already seen. */
  async #emit(topic: string, event: string, payload: object, numbered: boolean): Promise<number | null> {
    const { keys, channel } = this.#o;
    const claim = this.#guard.current();
    const publishNumber = claim ? claim.publishes++ : 0;
    const retain = event !== REVOCATION_EVENT && this.#retainedTopics.has(topic);
    const [verdict, , seq] = PublishReply.parse(
      await this.#o.redis.eval(
        PUBLISH_LUA,
        7,
        keys.busPosition,
        keys.busLog,
        keys.gatewayLease(claim?.shardId ?? 0),
        keys.gatewayMarker(claim?.shardId ?? 0),
        keys.gatewayFenced,
        numbered ? keys.seq(topic) : keys.busPosition,
        keys.retained(topic),
        keys.busChannel,
        channel.sharded ? '1' : '0',
        messageBody(this.#o.origin, claim, topic, event, payload),
        numbered ? '1' : '0',
        ...fenceArgs(claim, publishNumber),
        String(channel.logLength),
        String(this.#t.seqTtlMs),
        retain ? event : '',
        retain ? JSON.stringify(payload) : '',
      ),
    );
    if (verdict === 'stale') throw this.#guard.refused(claim?.token ?? 0);
    if (verdict === 'duplicate') {
      this.#log.debug({ topic, event, sequence: claim?.sequence }, 'dropped a replayed Gateway event that was already published');
      return null;
    }
    return seq;
  }

  subscribe(handler: BusHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  onRevocation(handler: RevocationHandler): () => void {
    this.#revocationHandlers.add(handler);
    return () => this.#revocationHandlers.delete(handler);
  }

  /** The last payload of `event` on a retained topic, from any instance. */
  retained<N extends BusEventName>(topic: string, event: N): BusPayload<N> | undefined {
    return this.#retained.get(topic)?.get(event) as BusPayload<N> | undefined;
  }

  /**
   * The topic's last sequence number. Also a barrier: it returns once this instance has received
   * every message published before the call, so a snapshot built after it (store, voice view)
   * reflects at least every event up to the returned seq. Later events may show in it too; they
   * are re-applied by clients, which is harmless because every room event sets state.
   */
  async currentSeq(topic: string): Promise<number> {
    const [seq, position] = SeqReply.parse(await this.#o.redis.eval(CURRENT_SEQ_LUA, 2, this.#o.keys.seq(topic), this.#o.keys.busPosition));
    await this.#o.channel.reach(position);
    return seq;
  }

  async close(): Promise<void> {
    for (const detach of this.#detach) detach();
    this.#handlers.clear();
    this.#revocationHandlers.clear();
  }

  #receive(message: WireMessage): void {
    if (message.e === REVOCATION_EVENT) {
      const wire = WireRevocation.safeParse(message.p);
      if (!wire.success) {
        this.#log.error({ topic: message.t }, 'unreadable revocation on the event bus ignored');
        return;
      }
      const revocation: Revocation = { topic: message.t, userId: wire.data.u, access: wire.data.a, ...(wire.data.r ? { reason: wire.data.r } : {}) };
      for (const handler of this.#revocationHandlers) this.#safely(() => handler(revocation));
      return;
    }
    const payload = this.#payload(message.e, message.p);
    if (payload === undefined) {
      // Its room's stream now has a gap: browsers resubscribe for a snapshot, as after any loss.
      this.#log.error({ topic: message.t, event: message.e, origin: message.o }, 'an event the protocol does not describe was ignored');
      return;
    }
    if (this.#retainedTopics.has(message.t)) this.#retain(message.t, message.e, payload);
    const bus = busMessage(message.t, message.e as BusEventName, payload as never, message.s);
    for (const handler of this.#handlers) this.#safely(() => handler(bus));
  }

  /** The payload as the protocol describes `event`'s, or undefined when it is not one. */
  #payload(event: string, raw: unknown): unknown {
    const parsed = PAYLOADS.get(event)?.safeParse(raw);
    return parsed?.success ? parsed.data : undefined;
  }

  async #loadRetained(): Promise<void> {
    for (const topic of this.#retainedTopics) {
      const all = await this.#o.redis.hgetall(this.#o.keys.retained(topic));
      const map = new Map<string, unknown>();
      for (const [event, json] of Object.entries(all)) {
        let payload: unknown;
        try {
          payload = this.#payload(event, JSON.parse(json));
        } catch {
          payload = undefined;
        }
        if (payload === undefined) this.#log.warn({ topic, event }, 'ignored an unreadable retained payload in Redis');
        else map.set(event, payload);
      }
      this.#retained.set(topic, map);
    }
  }

  #retain(topic: string, event: string, payload: unknown): void {
    const map = this.#retained.get(topic) ?? new Map<string, unknown>();
    map.set(event, payload);
    this.#retained.set(topic, map);
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#log.error({ err: error }, 'an event bus handler threw');
    }
  }
}
