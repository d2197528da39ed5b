import { backoffCeiling, type BackoffPolicy, type Clock } from '@repo/platform';

/** Wait before the next attempt after `consecutiveFailures` failed ones (0 = go at once; no jitter: R-GW4 fixes the steps). */
export function reconnectDelayMs(consecutiveFailures: number, policy: BackoffPolicy): number {
  return consecutiveFailures <= 0 ? 0 : backoffCeiling(consecutiveFailures - 1, policy);
}

export interface ReconnectGateHooks {
  /** An attempt failed (it never reached READY/RESUMED); `nextDelayMs` is the wait before the next one. */
  onFailure?(consecutiveFailures: number, nextDelayMs: number): void;
}

/**
 * Paces connection attempts: every attempt passes through `beforeAttempt()`, which counts the
 * previous attempt as failed unless `succeeded()` was called since, and waits out the backoff.
 * It knows nothing of WebSockets, so the schedule is testable with a fake clock alone.
 */
export class ReconnectGate {
  #consecutiveFailures = 0;
  #attempts = 0;
  #attemptInFlight = false;
  readonly #abort = new AbortController();

  constructor(
    private readonly clock: Clock,
    private readonly policy: BackoffPolicy,
    private readonly hooks: ReconnectGateHooks = {},
  ) {}

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** Attempts started so far (the first connection included). */
  get attempts(): number {
    return this.#attempts;
  }

  get closed(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Resolves true when the attempt may start, false when the gate was closed meanwhile. */
  async beforeAttempt(): Promise<boolean> {
    if (this.closed) return false;
    if (this.#attemptInFlight) {
      this.#consecutiveFailures += 1;
      const delayMs = reconnectDelayMs(this.#consecutiveFailures, this.policy);
      this.hooks.onFailure?.(this.#consecutiveFailures, delayMs);
      try {
        await this.clock.sleep(delayMs, this.#abort.signal);
      } catch {
        return false;
      }
      if (this.closed) return false;
    }
    this.#attempts += 1;
    this.#attemptInFlight = true;
    return true;
  }

  /** The attempt in flight reached READY or RESUMED: the failure streak ends. */
  succeeded(): void {
    this.#attemptInFlight = false;
    this.#consecutiveFailures = 0;
  }

  /** Stops for good: a pending wait resolves false and every later attempt is refused. */
  close(): void {
    this.#abort.abort(new Error('reconnect gate closed'));
  }
}
