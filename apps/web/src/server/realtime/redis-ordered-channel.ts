import { randomUUID } from 'node:crypto';
import type { Clock } from '@repo/platform';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { RedisKeys } from '../redis/redis-keys.ts';

export const RedisChannelDefaults = {
  /** Messages kept for subscribers that reconnect (a few seconds of a busy guild; ~1 MB). */
  logLength: 5_000,
  /** reach() waits at most this long for this instance to have received what Redis has published. */
  barrierTimeoutMs: 2_000,
  /** After a failed repair (Redis still down), the next try. */
  repairRetryMs: 500,
} as const;

export type RedisChannelTuning = { -readonly [K in keyof typeof RedisChannelDefaults]: number };

/**
 * One message as it travels on the channel (written by the scripts of redis/bus-lua.ts), checked
 * on arrival: whatever Redis hands back (a message of an older instance, a corrupted log entry) is
 * parsed before anyone reads it.
 */
export const WireMessage = z.object({
  /** Position in the channel: every message of the guild, gap-free from 1. */
  g: z.number().int().positive(),
  /** A room event's seq, or null. */
  s: z.number().int().positive().nullable(),
  /** Publishing instance. */
  o: z.string(),
  /** Fencing token of a Gateway-driven publish; 0 for the others. */
  f: z.number().int().nonnegative(),
  t: z.string(),
  e: z.string(),
  p: z.record(z.string(), z.unknown()),
});
export type WireMessage = z.infer<typeof WireMessage>;

/** Why listeners must reload their view of Redis state: first start, a gap the log could not fill, lost data. */
export type ResyncReason = 'start' | 'gap' | 'reset';

/** Topics starting with `~` are the cluster's own side streams on the channel (voice replication), not the event bus's. */
export function isSideTopic(topic: string): boolean {
  return topic.startsWith('~');
}

export interface RedisOrderedChannelOptions {
  /** The command connection (shared with the stores: one connection keeps Redis's order ours). */
  redis: Redis;
  /** A connection of its own, used for nothing but the subscription. */
  subscriber: Redis;
  keys: RedisKeys;
  log: Logger;
  /** Retries and the reach() deadline run on it. */
  clock: Clock;
  /** SSUBSCRIBE/SPUBLISH (Redis ≥ 7) instead of SUBSCRIBE/PUBLISH. */
  sharded: boolean;
  tuning?: Partial<RedisChannelTuning>;
}

// The channel's epoch: a random id that lives as long as Redis keeps its data. A different epoch
// after a reconnect means Redis came back empty (no persistence) and positions started over.
const EPOCH_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SET', KEYS[1], ARGV[1]) end
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]) or '0'}
`;
const EpochReply = z.tuple([z.string(), z.coerce.number().int().nonnegative()]);
const LogReply = z.array(z.tuple([z.string(), z.array(z.string())]));

/**
 * The guild's ordered channel on Redis pub/sub (R-SCALE2): one channel per guild, every topic on
 * it (see specs/scale-out.md for why not one per room). Publishers write through the scripts of
 * redis/bus-lua.ts, which give each message the channel's next position, log it and publish it in
 * one step; this is the receiving side, on every instance including the publisher's:
 *
 * - messages reach the listeners once each, in position order;
 * - after a reconnect (Redis restart, CLIENT KILL) it resubscribes, reads what it missed from the
 *   log by position and delivers it before anything newer; when the log cannot cover the gap (or
 *   Redis lost its data) the resync hooks run, and browsers see the `seq` gap and ask for a snapshot.
 *
 * What the messages mean is the listeners' business: the event bus (redis-event-bus.ts) and voice
 * replication (its `~voice` side topic).
 */
export class RedisOrderedChannel {
  readonly #o: RedisOrderedChannelOptions;
  readonly #t: RedisChannelTuning;
  readonly #log: Logger;
  readonly #listeners = new Set<(message: WireMessage) => void>();
  readonly #side = new Map<string, Set<(message: WireMessage) => void>>();
  readonly #resyncHooks = new Set<(reason: ResyncReason) => Promise<void>>();
  /** Position of the last message delivered here; null until the first baseline. */
  #position: number | null = null;
  #epoch: string | null = null;
  #repairing = false;
  #running: Promise<void> | null = null;
  #again = false;
  #buffer: WireMessage[] = [];
  #waiters: Array<{ position: number; resolve: () => void }> = [];
  #closed = false;
  #cancelRetry: (() => void) | undefined;

  /** Attach listeners (onMessage, onInternal, onResync), then start(). */
  constructor(options: RedisOrderedChannelOptions) {
    this.#o = options;
    this.#t = { ...RedisChannelDefaults, ...options.tuning };
    this.#log = options.log;
  }

  get sharded(): boolean {
    return this.#o.sharded;
  }

  get logLength(): number {
    return this.#t.logLength;
  }

  /** Where this instance is in the channel (messages delivered so far). */
  get position(): number {
    return this.#position ?? 0;
  }

  /** Subscribes and takes the baseline (resync hooks run); resolves once messages flow. */
  async start(): Promise<this> {
    await this.#attach();
    return this;
  }

  /** Every message on a topic of the event bus (not a side topic), in channel order. */
  onMessage(listener: (message: WireMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Messages on one reserved `~` side topic (the cluster's own, e.g. voice state), in channel order. */
  onInternal(topic: string, listener: (message: WireMessage) => void): () => void {
    const set = this.#side.get(topic) ?? new Set();
    set.add(listener);
    this.#side.set(topic, set);
    return () => set.delete(listener);
  }

  /**
   * Runs while the channel holds delivery: at the baseline and whenever messages were lost for
   * good. Listeners that mirror Redis state reload it here; messages newer than what they load follow.
   */
  onResync(hook: (reason: ResyncReason) => Promise<void>): () => void {
    this.#resyncHooks.add(hook);
    return () => this.#resyncHooks.delete(hook);
  }

  /**
   * Resolves once this instance has delivered every message up to `position` (a barrier: a
   * snapshot read after it is not behind Redis), or after `barrierTimeoutMs` with a warning.
   */
  reach(position: number): Promise<void> {
    if (this.#closed || (this.#position ?? 0) >= position) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { position, resolve };
      this.#waiters.push(waiter);
      const cancel = this.#o.clock.setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        this.#log.warn({ position, at: this.#position }, 'event bus: snapshot taken before this instance caught up (Redis slow or reconnecting)');
        resolve();
      }, this.#t.barrierTimeoutMs);
      waiter.resolve = () => {
        cancel();
        resolve();
      };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelRetry?.();
    this.#listeners.clear();
    this.#side.clear();
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
    const message = this.#read(text);
    if (!message) return;
    if (this.#repairing) {
      this.#buffer.push(message);
      return;
    }
    this.#accept(message);
  }

  /** A message as Redis handed it over (live or from the log), or null (logged) when it is not one. */
  #read(text: string): WireMessage | null {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.#log.error({ text: text.slice(0, 200) }, 'unparseable event bus message ignored');
      return null;
    }
    const parsed = WireMessage.safeParse(json);
    if (parsed.success) return parsed.data;
    this.#log.error({ text: text.slice(0, 200), issue: parsed.error.issues[0]?.message }, 'malformed event bus message ignored');
    return null;
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
    const listeners = isSideTopic(message.t) ? (this.#side.get(message.t) ?? []) : this.#listeners;
    for (const listener of listeners) this.#safely(() => listener(message));
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
        this.#cancelRetry?.();
        this.#cancelRetry = this.#o.clock.setTimeout(() => void this.#repair('gap'), this.#t.repairRetryMs);
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
    const [epoch, head] = EpochReply.parse(await redis.eval(EPOCH_LUA, 2, keys.busEpoch, keys.busPosition, randomUUID()));
    if (from === null) {
      this.#epoch = epoch;
      this.#position = head;
      await this.#runResync('start');
    } else {
      const entries = LogReply.parse(await redis.xrange(keys.busLog, `${from + 1}-0`, '+', 'COUNT', this.#t.logLength));
      if (epoch !== this.#epoch || head < from) {
        // Redis came back without our data (no persistence): positions and seqs start over.
        this.#log.warn({ had: from, now: head }, 'event bus: Redis lost its data; resyncing (browsers get fresh snapshots)');
        this.#epoch = epoch;
        this.#position = head;
        this.#buffer = this.#buffer.filter((m) => m.g > head);
        await this.#runResync('reset');
      } else {
        const missed: WireMessage[] = [];
        for (const [, fields] of entries) {
          const message = this.#read(fields[1] ?? '');
          if (message && message.g > from) missed.push(message);
        }
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
    for (const hook of this.#resyncHooks) await hook(reason);
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#log.error({ err: error }, 'an event bus handler threw');
    }
  }
}
