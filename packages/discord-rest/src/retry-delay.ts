export interface BackoffSchedule {
  baseMs: number;
  maxMs: number;
}

/** Wait before retry number `retry` (1-based): base, 2·base, 4·base, … capped at maxMs. No jitter: R-RL1 fixes the steps. */
export function backoffDelayMs(retry: number, schedule: BackoffSchedule): number {
  if (!Number.isInteger(retry) || retry < 1) throw new RangeError(`retry must be an integer ≥ 1, got ${retry}`);
  return Math.min(schedule.baseMs * 2 ** (retry - 1), schedule.maxMs);
}

/** Discord's retry_after wins when it is longer than our own step. */
export function retryWaitMs(retry: number, schedule: BackoffSchedule, retryAfterMs: number | undefined): number {
  return Math.max(backoffDelayMs(retry, schedule), retryAfterMs ?? 0);
}
