/**
 * Reconnect delays: exponential from `baseMs`, capped at `maxMs`, with full jitter (a uniform
 * draw between 0 and the capped step). Full jitter spreads a crowd of tabs that lost the server at
 * the same instant, so they do not all come back in the same millisecond.
 */
export interface BackoffPolicy {
  /** First step's ceiling (attempt 0). */
  baseMs: number;
  /** No step's ceiling grows past this. */
  maxMs: number;
}

/** 1 s → 2 s → 4 s → 8 s → 16 s, then 16 s for good (R-RT8). */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 16_000 };

/** The ceiling of attempt `attempt` (0-based): base · 2^attempt, at most max. */
export function backoffCeiling(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const n = Math.max(0, Math.floor(attempt));
  // 2^n overflows to Infinity long after it passed any sane max; Math.min handles that.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** n);
}

/**
 * The delay before attempt `attempt`: `random()` (in [0, 1)) times the ceiling, rounded to whole
 * milliseconds. `random` is injected so tests pick the draw.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const drawn = random();
  const r = Number.isFinite(drawn) ? Math.min(Math.max(drawn, 0), 1) : 1;
  return Math.round(r * backoffCeiling(attempt, policy));
}
