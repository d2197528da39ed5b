import type { APIGatewaySessionStartLimit } from 'discord-api-types/v10';
import { DISCORD_LIMITS } from '../discord-limits.ts';

export interface SessionStartLimitOptions {
  /** Session starts per period (Discord: 1000 per 24 h). */
  total?: number;
  /** Starts left in the current period (default `total`). */
  remaining?: number;
  /** Time until the current period ends (default 24 h); later periods are always 24 h. */
  resetAfterMs?: number;
  /** Reported only: the emulator does not throttle concurrent IDENTIFYs. */
  maxConcurrency?: number;
}

/** What a test or the control panel may change at run time. */
export interface SessionStartLimitUpdate {
  remaining?: number;
  resetAfterMs?: number;
}

/**
 * The bot's identify budget (`session_start_limit` of GET /gateway/bot). Every IDENTIFY the
 * Gateway accepts takes one start; RESUMEs take none. When the period ends on the injected clock
 * the budget is back to `total`, and the next period is Discord's 24 hours.
 */
export class SessionStartLimit {
  readonly #now: () => number;
  readonly #initial: Required<SessionStartLimitOptions>;
  #remaining: number;
  #resetAtMs: number;

  constructor(options: SessionStartLimitOptions, now: () => number) {
    const total = options.total ?? DISCORD_LIMITS.sessionStartTotal;
    this.#initial = {
      total,
      remaining: options.remaining ?? total,
      resetAfterMs: options.resetAfterMs ?? DISCORD_LIMITS.sessionStartResetAfterMs,
      maxConcurrency: options.maxConcurrency ?? DISCORD_LIMITS.sessionStartMaxConcurrency,
    };
    checkInitial(this.#initial);
    this.#now = now;
    this.#remaining = this.#initial.remaining;
    this.#resetAtMs = now() + this.#initial.resetAfterMs;
  }

  get total(): number {
    return this.#initial.total;
  }

  /** The object GET /gateway/bot returns, as of now. */
  snapshot(): APIGatewaySessionStartLimit {
    const now = this.#roll();
    return {
      total: this.#initial.total,
      remaining: this.#remaining,
      reset_after: Math.max(0, this.#resetAtMs - now),
      max_concurrency: this.#initial.maxConcurrency,
    };
  }

  /** Spends one start; false (and nothing spent) when none is left. */
  take(): boolean {
    this.#roll();
    if (this.#remaining <= 0) return false;
    this.#remaining -= 1;
    return true;
  }

  /** Sets the budget, e.g. `{ remaining: 0 }` to make the next IDENTIFY fail. Throws RangeError on bad input. */
  set(update: SessionStartLimitUpdate): void {
    const now = this.#roll();
    if (update.remaining !== undefined) checkCount('remaining', update.remaining, this.#initial.total);
    if (update.resetAfterMs !== undefined) checkDuration('resetAfterMs', update.resetAfterMs);
    if (update.remaining !== undefined) this.#remaining = update.remaining;
    if (update.resetAfterMs !== undefined) this.#resetAtMs = now + update.resetAfterMs;
  }

  /** Back to the options it was started with (the control API's reset). */
  reset(): void {
    this.#remaining = this.#initial.remaining;
    this.#resetAtMs = this.#now() + this.#initial.resetAfterMs;
  }

  #roll(): number {
    const now = this.#now();
    if (now >= this.#resetAtMs) {
      const period = DISCORD_LIMITS.sessionStartResetAfterMs;
      // Periods keep their phase even when the clock jumps several of them at once.
      this.#resetAtMs += Math.floor((now - this.#resetAtMs) / period + 1) * period;
      this.#remaining = this.#initial.total;
    }
    return now;
  }
}

function checkInitial(o: Required<SessionStartLimitOptions>): void {
  checkCount('total', o.total, Number.MAX_SAFE_INTEGER);
  checkCount('remaining', o.remaining, o.total);
  checkDuration('resetAfterMs', o.resetAfterMs);
  if (!Number.isSafeInteger(o.maxConcurrency) || o.maxConcurrency < 1) {
    throw new RangeError(`sessionStartLimit.maxConcurrency must be an integer ≥ 1 (got ${o.maxConcurrency})`);
  }
}

function checkCount(name: string, value: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new RangeError(`sessionStartLimit.${name} must be an integer from 0 to ${max} (got ${value})`);
  }
}

function checkDuration(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`sessionStartLimit.${name} must be a whole number of milliseconds ≥ 0 (got ${value})`);
  }
}
