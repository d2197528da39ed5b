import type { RateLimitScope } from './errors.ts';

/** A rate-limit bucket as seen before the request is sent: Discord keys buckets by route and major parameter. */
export interface BucketRef {
  method: string;
  /** Path with every snowflake replaced by `:id`, e.g. `/guilds/:id/members/:id/roles/:id`. */
  route: string;
  /** The guild, channel or webhook id the bucket is scoped to, or `global`. */
  majorParameter: string;
}

/** How one attempt ended, as far as the budget is concerned; every `acquire` that said go gets exactly one. */
export type RateLimitObservation =
  | {
      kind: 'headers';
      bucketHash: string | undefined;
      limit: number;
      remaining: number;
      resetAfterMs: number;
    }
  | {
      kind: '429';
      bucketHash: string | undefined;
      global: boolean;
      scope: RateLimitScope;
      retryAfterMs: number;
    }
  /** No budget information: the request failed before a response, or the response had no rate-limit headers. */
  | { kind: 'released' };

export interface RateLimitWait {
  waitMs: number;
  /** `global`: the whole token is blocked (a global 429); `bucket`: this bucket is (a 429, or its budget is spent). */
  reason: 'global' | 'bucket';
}

/**
 * The budget of one bot token, consulted by every network attempt. @discordjs/rest already queues per
 * bucket inside one queue; this store is what lets several queues — two handlers of one bucket while
 * Discord's bucket hash is being learnt, several clients, several processes through Redis (R-RL2) —
 * spend one token's budget together, and what remembers the 429s that @discordjs/rest never sees (our
 * transport takes 429s away from it to own the retry policy).
 *
 * Contract: `acquire` answers null (go: a slot is reserved) or how long to wait before asking again;
 * after a go, exactly one `update` reports how the attempt ended. Times are the caller's clock.
 */
export interface RateLimitStateStore {
  acquire(bucket: BucketRef, nowMs: number): Promise<RateLimitWait | null>;
  update(bucket: BucketRef, observation: RateLimitObservation, nowMs: number): Promise<void>;
}

interface BucketState {
  limit: number;
  /** What we may still send in the current window (Discord's figure minus what is in flight). */
  remaining: number;
  /** Infinity while the current window is unknown (none seen yet, or the last one is over). */
  resetAtMs: number;
  /** Set by a 429: nothing goes to this bucket before then, whatever the headers said. */
  blockedUntilMs: number;
  /** Sent and not answered yet: Discord's `remaining` in the next response may not count them. */
  inFlight: number;
}

// Two responses whose resets differ by less than this describe the same window (latency jitter);
// Discord's windows last a second or more.
const sameWindowSlackMs = 250;

/** One process's budget; share one instance between clients of the same bot token. */
export class InMemoryRateLimitStateStore implements RateLimitStateStore {
  readonly #buckets = new Map<string, BucketState>();
  #globalBlockedUntilMs = 0;

  async acquire(bucket: BucketRef, nowMs: number): Promise<RateLimitWait | null> {
    if (this.#globalBlockedUntilMs > nowMs) return { waitMs: this.#globalBlockedUntilMs - nowMs, reason: 'global' };
    const state = this.#state(bucket);
    if (state.blockedUntilMs > nowMs) return { waitMs: state.blockedUntilMs - nowMs, reason: 'bucket' };
    if (state.resetAtMs <= nowMs) {
      // The window we knew is over; requests still in flight may land in the new one.
      state.remaining = state.limit - state.inFlight;
      state.resetAtMs = Number.POSITIVE_INFINITY;
    }
    // With the window unknown we go, as @discordjs/rest does: the next response tells us about it.
    if (state.remaining <= 0 && state.resetAtMs !== Number.POSITIVE_INFINITY) {
      return { waitMs: state.resetAtMs - nowMs, reason: 'bucket' };
    }
    state.remaining -= 1;
    state.inFlight += 1;
    return null;
  }

  async update(bucket: BucketRef, observation: RateLimitObservation, nowMs: number): Promise<void> {
    const state = this.#state(bucket);
    state.inFlight = Math.max(0, state.inFlight - 1);
    switch (observation.kind) {
      case 'released':
        return;
      case '429':
        if (observation.global) this.#globalBlockedUntilMs = Math.max(this.#globalBlockedUntilMs, nowMs + observation.retryAfterMs);
        else state.blockedUntilMs = Math.max(state.blockedUntilMs, nowMs + observation.retryAfterMs);
        return;
      case 'headers': {
        const resetAtMs = nowMs + observation.resetAfterMs;
        const known = state.resetAtMs !== Number.POSITIVE_INFINITY;
        // A late answer from a window we already left says nothing about the current one.
        if (known && resetAtMs < state.resetAtMs - sameWindowSlackMs) return;
        const sameWindow = known && Math.abs(resetAtMs - state.resetAtMs) <= sameWindowSlackMs;
        const announced = observation.remaining - state.inFlight;
        state.limit = observation.limit;
        state.remaining = sameWindow ? Math.min(state.remaining, announced) : announced;
        state.resetAtMs = sameWindow ? Math.max(state.resetAtMs, resetAtMs) : resetAtMs;
        return;
      }
    }
  }

  #state(bucket: BucketRef): BucketState {
    const key = bucketKey(bucket);
    let state = this.#buckets.get(key);
    if (!state) {
      state = { limit: Number.POSITIVE_INFINITY, remaining: Number.POSITIVE_INFINITY, resetAtMs: Number.POSITIVE_INFINITY, blockedUntilMs: 0, inFlight: 0 };
      this.#buckets.set(key, state);
    }
    return state;
  }
}

function bucketKey(bucket: BucketRef): string {
  return `${bucket.method} ${bucket.route} ${bucket.majorParameter}`;
}

// Discord's major parameters: the first channel, guild or webhook id of the path.
const majorParameterPattern = /^\/(?:channels|guilds|webhooks)\/(\d{16,20})/;
const snowflakePattern = /\d{16,20}/g;

/** The bucket a request falls in, derived like Discord (and @discordjs/rest) do from method and path. */
export function bucketOf(method: string, path: string): BucketRef {
  const withoutQuery = path.split('?', 1)[0] ?? path;
  return {
    method: method.toUpperCase(),
    route: withoutQuery.replaceAll(snowflakePattern, ':id'),
    majorParameter: majorParameterPattern.exec(withoutQuery)?.[1] ?? 'global',
  };
}
