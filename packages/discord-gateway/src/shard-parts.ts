import type { IIdentifyThrottler } from '@discordjs/ws';
import type { Clock } from '@repo/platform';
import type { IdentifyBudget } from './identify-budget.ts';
import type { VoiceStateCache } from './voice-state-cache.ts';

/**
 * Discord routes a guild to shard `(guild_id >> 22) % num_shards`
 * (https://discord.com/developers/docs/events/gateway#sharding). Ids that are not snowflakes
 * (hand-written test fixtures) count as shard 0's.
 */
export function shardOfGuild(guildId: string, shardCount: number): number {
  if (!/^\d+$/.test(guildId)) return 0;
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** Holds each IDENTIFY until Discord's identify concurrency allows it (see IdentifyBuckets). */
export type IdentifyThrottle = IIdentifyThrottler;

/** What the shards of one bot share: one voice cache, one session-start budget, one identify throttle. */
export interface ShardShared {
  cache: VoiceStateCache;
  identifyBudget: IdentifyBudget;
  identifyThrottle: IdentifyThrottle;
}

/** Discord's window per rate-limit bucket: one IDENTIFY per bucket per 5 seconds. */
export const IDENTIFY_WINDOW_MS = 5_000;

/**
 * Discord's identify concurrency inside one process: a shard's rate-limit key is
 * `shard_id % max_concurrency`; shards with the same key identify one at a time, 5 s apart, and
 * shards with different keys in parallel (https://discord.com/developers/docs/events/gateway#session-start-limit).
 * `maxConcurrency` is read at each wait (GET /gateway/bot's `session_start_limit.max_concurrency`).
 * Waits run on the injected clock. With several instances a Redis implementation takes its place.
 */
export class IdentifyBuckets implements IdentifyThrottle {
  readonly #clock: Clock;
  readonly #maxConcurrency: () => number;
  readonly #windowMs: number;
  /** Bucket → the tail of its queue of waiting identifies. */
  readonly #queues = new Map<number, Promise<void>>();
  /** Bucket → when its next IDENTIFY may go (clock ms). */
  readonly #readyAt = new Map<number, number>();

  constructor(clock: Clock, maxConcurrency: () => number, windowMs: number = IDENTIFY_WINDOW_MS) {
    this.#clock = clock;
    this.#maxConcurrency = maxConcurrency;
    this.#windowMs = windowMs;
  }

  static bucketOf(shardId: number, maxConcurrency: number): number {
    return shardId % Math.max(1, Math.floor(maxConcurrency));
  }

  async waitForIdentify(shardId: number, signal: AbortSignal): Promise<void> {
    const bucket = IdentifyBuckets.bucketOf(shardId, this.#maxConcurrency());
    const before = this.#queues.get(bucket) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    const tail = before.then(() => mine);
    this.#queues.set(bucket, tail);
    try {
      await abortable(before, signal);
      const waitMs = (this.#readyAt.get(bucket) ?? Number.NEGATIVE_INFINITY) - this.#clock.now();
      if (waitMs > 0) await this.#clock.sleep(waitMs, signal);
      signal.throwIfAborted();
      this.#readyAt.set(bucket, this.#clock.now() + this.#windowMs);
    } finally {
      done();
      if (this.#queues.get(bucket) === tail) this.#queues.delete(bucket);
    }
  }
}

function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
