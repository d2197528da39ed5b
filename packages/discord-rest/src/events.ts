import type { RateLimitScope } from './errors.ts';

/** One rate-limit event; every one is logged with `[RateLimit]` and passed to `onRateLimit` (metrics). */
export interface RateLimitEvent {
  /**
   * `response`: Discord answered 429. `queue`: @discordjs/rest held the request back from the bucket's
   * headers (or the global 50/s) before sending it. `budget`: the shared rate-limit store held it back
   * (after a 429, or another client spent the budget).
   */
  source: 'response' | 'queue' | 'budget';
  method: string;
  /** Bucket route, e.g. `/guilds/:id/members/:id/roles/:id`. */
  route: string;
  majorParameter: string;
  /** Discord's bucket hash, when known. */
  bucket: string | undefined;
  scope: RateLimitScope;
  global: boolean;
  /** How long this request waits (for `response`: Discord's retry_after). */
  waitMs: number;
  /** Our operation, when known (always for `response`). */
  operation: string | undefined;
}

export type RetryReason = 'rate_limited' | 'server_error' | 'timeout' | 'network';

/** One retry about to happen; logged with `[RateLimit]` and passed to `onRetry` (metrics). */
export interface RetryEvent {
  operation: string;
  method: string;
  /** Route template, e.g. `/guilds/:guildId/roles`. */
  route: string;
  /** The attempt that failed (1-based); the next one is attempt + 1. */
  attempt: number;
  maxAttempts: number;
  reason: RetryReason;
  status: number | undefined;
  waitMs: number;
  retryAfterMs: number | undefined;
}

/** One finished operation (all its attempts), for request metrics by route. */
export interface RequestEvent {
  operation: string;
  method: string;
  route: string;
  /** `ok`, or the kind of the DiscordRestError it failed with. */
  outcome: 'ok' | 'api' | 'rate_limited' | 'unavailable' | 'aborted' | 'invalid_response' | 'error';
  durationMs: number;
}

export interface DiscordRestHooks {
  onRateLimit?: (event: RateLimitEvent) => void;
  onRetry?: (event: RetryEvent) => void;
  onRequest?: (event: RequestEvent) => void;
}
