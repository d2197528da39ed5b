import { backoffCeiling, type BackoffPolicy } from '@repo/platform';

/** Wait before retry number `retry` (1-based): base, 2·base, 4·base, … capped at maxMs. No jitter: R-RL1 fixes the steps. */
export function retryDelayMs(retry: number, policy: BackoffPolicy): number {
  if (!Number.isInteger(retry) || retry < 1) throw new RangeError(`retry must be an integer ≥ 1, got ${retry}`);
  return backoffCeiling(retry - 1, policy);
}

/** Discord's retry_after wins when it is longer than our own step. */
export function retryWaitMs(retry: number, policy: BackoffPolicy, retryAfterMs: number | undefined): number {
  return Math.max(retryDelayMs(retry, policy), retryAfterMs ?? 0);
}
