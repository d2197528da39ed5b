/**
 * Exponential backoff, the one schedule every retry in the workspace follows: the ceiling of step n
 * (0-based) is base · 2^n, capped at max. Callers whose steps a requirement fixes (the Gateway's
 * reconnects, R-GW4; REST retries, R-RL1) wait the ceiling itself; the browser draws with full
 * jitter, a uniform draw between 0 and the ceiling, so that a crowd of tabs that lost the server at
 * the same instant does not come back in the same millisecond (R-RT8). Pure: safe in the browser.
 */
export interface BackoffPolicy {
  /** First step's ceiling (step 0). */
  baseMs: number;
  /** No step's ceiling grows past this. */
  maxMs: number;
}

/** 1 s → 2 s → 4 s → 8 s → 16 s, then 16 s for good: R-GW4, R-RL1 and R-RT8 all name it. */
export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 16_000 };

/** The ceiling of step `step` (0-based): base · 2^step, at most max. Odd steps count as the nearest sane one. */
export function backoffCeiling(step: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const n = Math.max(0, Math.floor(step));
  // 2^n overflows to Infinity long after it passed any sane max; Math.min handles that.
  return Math.min(policy.maxMs, policy.baseMs * 2 ** n);
}

/**
 * Full jitter: `random()` (in [0, 1)) times the ceiling of `step`, rounded to whole milliseconds.
 * `random` is injected so tests pick the draw; whatever it returns, the delay stays in [0, ceiling].
 */
export function backoffDelay(step: number, random: () => number = Math.random, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const drawn = random();
  const r = Number.isFinite(drawn) ? Math.min(Math.max(drawn, 0), 1) : 1;
  return Math.round(r * backoffCeiling(step, policy));
}
