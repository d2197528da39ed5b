import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { BUS_LUA_PRELUDE, type FenceVerdict, fenceArgs, messageBody } from '../redis/bus-lua.ts';
import { currentFence, StaleGatewayHolderError } from '../gateway-ownership/gateway-fence.ts';
import type { RedisKeys } from '../redis/redis-keys.ts';
import {
  type BusHandler,
  type BusMessage,
  type EventBus,
  type Revocation,
  type RevocationHandler,
  assertPublishable,
  isSequenced,
} from './event-bus.ts';

export const RedisBusDefaults = {
  /** Messages kept for subscribers that reconnect (a few seconds of a busy guild; ~1 MB). */
  logLength: 5_000,
  /** A room's sequence counter outlives its last event by this much (rooms idle for 1 h are closed). */
  seqTtlMs: 2 * 24 * 60 * 60 * 1000,
  /** currentSeq() waits at most this long for this instance to have received what Redis has published. */
  barrierTimeoutMs: 2_000,
  /** After a failed repair (Redis still down), the next try. */
  repairRetryMs: 500,
} as const;

export type RedisBusTuning = { -readonly [K in keyof typeof RedisBusDefaults]: number };

/** One message as it travels on the channel (see bus-lua.ts). */
export interface WireMessage {
  g: number;
  s: number | null;
  /** Publishing instance. */
  o: string;
  /** Fencing token of a Gateway-driven publish; 0 for the others. */
  f: number;
  t: string;
  e: string;
  p: Record<string, unknown>;
}

/** A revocation on the wire: event `~revoke` on the topic it ends, with this payload. */
const REVOCATION_EVENT = '~revoke';
const WireRevocation = z.object({ u: z.string().nullable(), a: z.enum(['denied', 'closed']) });
type WireRevocation = z.infer<typeof WireRevocation>;

/** Why listeners must reload their view of Redis state: first start, a gap the log could not fill, lost data. */
export type ResyncReason = 'start' | 'gap' | 'reset';

export interface RedisEventBusOptions {
  /** The command connection (shared with the stores: one connection keeps Redis's order ours). */
  redis: Redis;
  /** A connection of its own, used for nothing but the subscription. */
  subscriber: Redis;
  keys: RedisKeys;
  log: Logger;
  /** This instance, as named in every message it publishes. */
  origin: string;
  /** SSUBSCRIBE/SPUBLISH (Redis ≥ 7) instead of SUBSCRIBE/PUBLISH. */
  sharded: boolean;
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

// The channel's epoch: a random id that lives as long as Redis keeps its data. A different epoch
// after a reconnect means Redis came back empty (no persistence) and positions started over.
const EPOCH_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]) or '0'}
`;

const CURRENT_SEQ_LUA = `return {redis.call('GET', KEYS[1]) or '0', redis.call('GET', KEYS[2]) or '0'}`;

/**
 * The event bus across instances (R-SCALE2) on Redis pub/sub: one channel per guild, every topic on
 * it (see specs/scale-out.md for why not one per room).
 *
 * - A publish is one Lua script: fencing check (Gateway-driven publishes), the room's next `seq`
 *   (INCR), the channel's next position, the log entry and the PUBLISH, all atomic, so sequence
 *   order is publish order and every subscriber sees every room's seqs in order.
 * - Delivery is what comes back on the subscription, on every instance including the publisher's:
 *   each hub gets each message exactly once, in channel order.
 * - After a reconnect (Redis restart, CLIENT KILL) the subscriber resubscribes, reads what it
 *   missed from the log by position and delivers it before anything newer; when the log cannot
 *   cover the gap (or Redis lost its data) listeners resync and browsers see the `seq` gap and ask
 *   for a snapshot.
 */
export class RedisEventBus implements EventBus {
  readonly #o: RedisEventBusOptions;
  readonly #t: RedisBusTuning;
  readonly #log: Logger;
  readonly #handlers = new Set<BusHandler>();
  readonly #revocationHandlers = new Set<RevocationHandler>();
  readonly #internal = new Map<string, Set<(message: WireMessage) => void>>();
  readonly #resyncHooks = new Set<(reason: ResyncReason) => Promise<void>>();
  readonly #retainedTopics: ReadonlySet<string>;
  readonly #retained = new Map<string, Map<string, Record<string, unknown>>>();
  /** Position of the last message delivered here; null until the first baseline. */
  #position: number | null = null;
  #epoch: string | null = null;
  #repairing = false;
  #running: Promise<void> | null = null;
  #again = false;
  #buffer: WireMessage[] = [];
  #waiters: Array<{ position: number; resolve: () => void }> = [];
  #closed = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  /** Attach listeners (onInternal, onResync), then start(). */
  constructor(options: RedisEventBusOptions) {
    this.#o = options;
    this.#t = { ...RedisBusDefaults, ...options.tuning };
    this.#log = options.log;
    this.#retainedTopics = new Set(options.retainedTopics ?? []);
  }

  /** Subscribes and takes the baseline (resync hooks run); resolves once messages flow. */
  async start(): Promise<this> {
    await this.#attach();
    return this;
  }

  /** Where this instance is in the channel (messages delivered so far). */
  get position(): number {
    return this.#position ?? 0;
  }

  async publish(topic: string, event: string, payload: Record<string, unknown>): Promise<BusMessage> {
    if (topic.startsWith('~')) throw new Error(`topic ${topic} is reserved for the cluster's own messages`);
    assertPublishable(event);
    const sequenced = isSequenced(topic);
    const seq = await this.#emit(topic, event, payload, sequenced);
    return { topic, event, payload, seq: sequenced && seq !== null ? seq : null };
  }

  /**
   * A revocation goes out through the same script and channel as the events, so every instance
   * applies it at the same place in the topic's stream; it takes a channel position but no room seq,
   * so subscribers see no gap.
   */
  async revoke(revocation: Revocation): Promise<void> {
    if (revocation.topic.startsWith('~')) throw new Error(`topic ${revocation.topic} is reserved for the cluster's own messages`);
    const wire: WireRevocation = { u: revocation.userId, a: revocation.access };
    await this.#emit(revocation.topic, REVOCATION_EVENT, wire, false);
  }

  /** The publish script; null when Redis dropped a replayed Gateway publish it had already seen. */
  async #emit(topic: string, event: string, payload: Record<string, unknown>, sequenced: boolean): Promise<number | null> {
    const { keys } = this.#o;
    const fence = currentFence();
    const publishNumber = fence ? fence.publishes++ : 0;
    const retain = event !== REVOCATION_EVENT && this.#retainedTopics.has(topic);
    const payloadJson = JSON.stringify(payload);
    const result = (await this.#o.redis.eval(
      PUBLISH_LUA,
      7,
      keys.busPosition,
      keys.busLog,
      keys.gatewayLease,
      keys.gatewayMarker,
      keys.gatewayFenced,
      sequenced ? keys.seq(topic) : keys.busPosition,
      keys.retained(topic),
      keys.busChannel,
      this.#o.sharded ? '1' : '0',
      messageBody(this.#o.origin, fence, topic, event, payload),
      sequenced ? '1' : '0',
      ...fenceArgs(fence, publishNumber),
      String(this.#t.logLength),
      String(this.#t.seqTtlMs),
      retain ? event : '',
      retain ? payloadJson : '',
    )) as [FenceVerdict, number, number];
    const [verdict, , seq] = result;
    if (verdict === 'stale') throw new StaleGatewayHolderError(fence?.token ?? 0);
    if (verdict === 'duplicate') {
      this.#log.debug({ topic, event, sequence: fence?.sequence }, 'dropped a replayed Gateway event that was already published');
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

  /** Messages on a reserved `~` topic (the cluster's own, e.g. voice state), in channel order. */
  onInternal(topic: string, handler: (message: WireMessage) => void): () => void {
    const set = this.#internal.get(topic) ?? new Set();
    set.add(handler);
    this.#internal.set(topic, set);
    return () => set.delete(handler);
  }

  /**
   * Runs while the bus holds delivery: at the baseline and whenever messages were lost for good.
   * Listeners that mirror Redis state reload it here; messages newer than what they load follow.
   */
  onResync(hook: (reason: ResyncReason) => Promise<void>): () => void {
    this.#resyncHooks.add(hook);
    return () => this.#resyncHooks.delete(hook);
  }

  /** The last payload of `event` on a retained topic, from any instance. */
  retained(topic: string, event: string): Record<string, unknown> | undefined {
    return this.#retained.get(topic)?.get(event);
  }

  /**
   * The topic's last sequence number. Also a barrier: it returns once this instance has received
   * every message published before the call, so a snapshot built after it (store, voice view)
   * reflects at least every event up to the returned seq. Later events may show in it too; they
   * are re-applied by clients, which is harmless because every room event sets state.
   */
  async currentSeq(topic: string): Promise<number> {
    if (!isSequenced(topic)) return 0;
    const [seq, position] = (await this.#o.redis.eval(CURRENT_SEQ_LUA, 2, this.#o.keys.seq(topic), this.#o.keys.busPosition)) as [string, string];
    await this.#reach(Number(position));
    return Number(seq);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#handlers.clear();
    this.#revocationHandlers.clear();
    this.#internal.clear();
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    this.#o.subscriber.removeAllListeners('message');
    this.#o.subscriber.removeAllListeners('smessage');
  }

  // ---- subscription ---------------------------------------------------------------------------

  async #attach(): Promise<void> {
    const sub = this.#o.subscriber;
    const onText = (channel: string, text: string) => {
      if (channel === this.#o.keys.busChannel) this.#onText(text);
    };
    sub.on(this.#o.sharded ? 'smessage' : 'message', onText);
    // Every reconnect: subscribe again (autoResubscribe is off), then fill the gap.
    sub.on('ready', () => {
      if (!this.#closed) void this.#resubscribe('reconnect');
    });
    await this.#resubscribe('start');
  }

  async #resubscribe(reason: 'start' | 'reconnect'): Promise<void> {
    this.#repairing = true;
    try {
      const sub = this.#o.subscriber;
      if (this.#o.sharded) await sub.ssubscribe(this.#o.keys.busChannel);
      else await sub.subscribe(this.#o.keys.busChannel);
    } catch (error) {
      this.#log.warn({ err: error }, 'could not subscribe to the event bus; retrying when Redis is back');
      if (reason === 'start') throw error;
      return; // the next 'ready' tries again
    }
    await this.#repair(reason === 'start' ? 'start' : 'reconnect');
  }

  #onText(text: string): void {
    let message: WireMessage;
    try {
      message = JSON.parse(text) as WireMessage;
    } catch {
      this.#log.error({ text: text.slice(0, 200) }, 'unparseable event bus message ignored');
      return;
    }
    if (this.#repairing) {
      this.#buffer.push(message);
      return;
    }
    this.#accept(message);
  }

  #accept(message: WireMessage): void {
    const position = this.#position;
    if (position !== null && message.g <= position) return; // already delivered (log and live overlap)
    if (position !== null && message.g > position + 1) {
      // Something was lost between two live messages (a dropped connection we have not noticed
      // yet): hold this one and fetch the missing ones from the log.
      this.#buffer.push(message);
      void this.#repair('gap');
      return;
    }
    this.#deliver(message);
  }

  #deliver(message: WireMessage): void {
    this.#position = message.g;
    if (message.t.startsWith('~')) {
      for (const handler of this.#internal.get(message.t) ?? []) this.#safely(() => handler(message));
    } else if (message.e === REVOCATION_EVENT) {
      const wire = WireRevocation.safeParse(message.p);
      if (wire.success) {
        const revocation: Revocation = { topic: message.t, userId: wire.data.u, access: wire.data.a };
        for (const handler of this.#revocationHandlers) this.#safely(() => handler(revocation));
      } else {
        this.#log.error({ topic: message.t }, 'unreadable revocation on the event bus ignored');
      }
    } else {
      if (this.#retainedTopics.has(message.t)) this.#retain(message.t, message.e, message.p);
      const bus: BusMessage = { topic: message.t, event: message.e, payload: message.p, seq: message.s };
      for (const handler of this.#handlers) this.#safely(() => handler(bus));
    }
    if (this.#waiters.length > 0) {
      const due = this.#waiters.filter((w) => w.position <= message.g);
      if (due.length > 0) {
        this.#waiters = this.#waiters.filter((w) => w.position > message.g);
        for (const waiter of due) waiter.resolve();
      }
    }
  }

  /**
   * Holds live delivery, works out what was missed, delivers it from the log, then what arrived
   * meanwhile. One at a time: a request while one runs makes it go round once more.
   */
  #repair(reason: ResyncReason | 'reconnect'): Promise<void> {
    this.#repairing = true;
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    const run = (async () => {
      try {
        do {
          this.#again = false;
          await this.#fill(reason);
        } while (this.#again && !this.#closed);
        this.#repairing = false;
      } catch (error) {
        if (reason === 'start') throw error;
        // Still holding delivery (Redis is likely down again): try later; a reconnect also retries.
        this.#log.warn({ err: error }, 'event bus: could not read what was missed; retrying');
        clearTimeout(this.#retryTimer);
        this.#retryTimer = setTimeout(() => void this.#repair('gap'), this.#t.repairRetryMs);
        this.#retryTimer.unref?.();
      } finally {
        this.#running = null;
      }
    })();
    this.#running = run;
    return run;
  }

  async #fill(reason: ResyncReason | 'reconnect'): Promise<void> {
    const { redis, keys } = this.#o;
    const from = this.#position;
    const [epoch, position] = (await redis.eval(EPOCH_LUA, 2, keys.busEpoch, keys.busPosition, randomUUID())) as [string, string];
    const head = Number(position);
    if (from === null) {
      this.#epoch = epoch;
      this.#position = head;
      await this.#runResync('start');
    } else {
      const entries = (await redis.xrange(keys.busLog, `${from + 1}-0`, '+', 'COUNT', this.#t.logLength)) as Array<[string, string[]]>;
      if (epoch !== this.#epoch || head < from) {
        // Redis came back without our data (no persistence): positions and seqs start over.
        this.#log.warn({ had: from, now: head }, 'event bus: Redis lost its data; resyncing (browsers get fresh snapshots)');
        this.#epoch = epoch;
        this.#position = head;
        this.#buffer = this.#buffer.filter((m) => m.g > head);
        await this.#runResync('reset');
      } else {
        const missed = entries.map(([, fields]) => JSON.parse(fields[1] ?? '{}') as WireMessage).filter((m) => m.g > from);
        const first = missed[0];
        if (head > from && (!first || first.g !== from + 1)) {
          this.#log.warn({ from, head, logFrom: first?.g ?? null }, 'event bus: the gap is older than the log; listeners resync');
          this.#position = (first?.g ?? head + 1) - 1;
          await this.#runResync('gap');
        } else if (missed.length > 0) {
          this.#log.info({ missed: missed.length, reason }, 'event bus: delivering what was missed from the log');
        }
        for (const message of missed) if (message.g === (this.#position ?? 0) + 1) this.#deliver(message);
      }
    }
    // What arrived live while we worked, in order; anything still out of reach means another pass.
    const buffered = this.#buffer.sort((a, b) => a.g - b.g);
    this.#buffer = [];
    for (let i = 0; i < buffered.length; i++) {
      const message = buffered[i]!;
      const position = this.#position ?? 0;
      if (message.g <= position) continue;
      if (message.g > position + 1) {
        this.#buffer = buffered.slice(i);
        await this.#fill('gap');
        return;
      }
      this.#deliver(message);
    }
  }

  async #runResync(reason: ResyncReason): Promise<void> {
    await this.#loadRetained();
    for (const hook of this.#resyncHooks) await hook(reason);
  }

  async #loadRetained(): Promise<void> {
    for (const topic of this.#retainedTopics) {
      const all = await this.#o.redis.hgetall(this.#o.keys.retained(topic));
      const map = new Map<string, Record<string, unknown>>();
      for (const [event, json] of Object.entries(all)) map.set(event, JSON.parse(json) as Record<string, unknown>);
      this.#retained.set(topic, map);
    }
  }

  #retain(topic: string, event: string, payload: Record<string, unknown>): void {
    const map = this.#retained.get(topic) ?? new Map<string, Record<string, unknown>>();
    map.set(event, payload);
    this.#retained.set(topic, map);
  }

  #reach(position: number): Promise<void> {
    if (this.#closed || (this.#position ?? 0) >= position) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { position, resolve };
      this.#waiters.push(waiter);
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        this.#log.warn({ position, at: this.#position }, 'event bus: snapshot taken before this instance caught up (Redis slow or reconnecting)');
        resolve();
      }, this.#t.barrierTimeoutMs);
      timer.unref?.();
      const done = waiter.resolve;
      waiter.resolve = () => {
        clearTimeout(timer);
        done();
      };
    });
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#log.error({ err: error }, 'an event bus handler threw');
    }
  }
}
