import type { Clock, Logger } from '@repo/platform';
import { z } from 'zod';

/**
 * `session_start_limit` of GET /gateway/bot: Discord allows a bot `total` IDENTIFYs (1,000) per
 * 24 hours; RESUMEs are free. At `remaining: 0` further IDENTIFYs are refused; Discord documents
 * that going past the limit ends every session of the bot and resets its token
 * (https://discord.com/developers/docs/events/gateway#session-start-limit).
 */
export const sessionStartLimitSchema = z.object({
  total: z.number().int().nonnegative(),
  remaining: z.number().int().nonnegative(),
  reset_after: z.number().nonnegative(),
  max_concurrency: z.number().int().positive(),
});

const gatewayBotSchema = z.object({ session_start_limit: sessionStartLimitSchema });

export interface IdentifyBudgetReading {
  total: number;
  remaining: number;
  /** Milliseconds until `remaining` is back to `total`, as of `readAt`. */
  resetAfterMs: number;
  maxConcurrency: number;
  /** When it was read (the client's clock). */
  readAt: number;
}

export interface IdentifyBudgetOptions {
  clock: Clock;
  logger: Logger;
  /** A reading this young is trusted (our own identifies are subtracted) instead of asking again. */
  freshForMs: number;
}

/** Thrown by `GET /gateway/bot` readers on anything but a well-formed answer. */
export class GatewayInformationError extends Error {
  override readonly name = 'GatewayInformationError';
}

/**
 * Holds IDENTIFYs back while Discord has none left for the bot. Before each one, the client asks
 * `whenAvailable`: it resolves at once while starts remain, else it waits `reset_after` on the
 * injected clock (logging an error once per wait), reads the limit again, and so on. A RESUME
 * never asks. Knows nothing of sockets: the reader of GET /gateway/bot is passed in.
 */
export class IdentifyBudget {
  readonly #o: IdentifyBudgetOptions;
  #last: IdentifyBudgetReading | null = null;
  #blockedUntil: number | null = null;

  constructor(options: IdentifyBudgetOptions) {
    this.#o = options;
  }

  /** The last reading, with our own identifies since subtracted (a live object: read, don't keep). */
  get last(): Readonly<IdentifyBudgetReading> | null {
    return this.#last;
  }

  /** While waiting for Discord's budget to reset: when the wait ends (ms on the clock); else null. */
  get blockedUntil(): number | null {
    return this.#blockedUntil;
  }

  /** Takes a fresh reading (e.g. from the manager's own GET /gateway/bot) into account. */
  note(raw: unknown): IdentifyBudgetReading {
    const parsed = gatewayBotSchema.safeParse(raw);
    if (!parsed.success) throw new GatewayInformationError(`GET /gateway/bot answered without a valid session_start_limit: ${parsed.error.issues[0]?.message ?? 'unknown shape'}`);
    const limit = parsed.data.session_start_limit;
    this.#last = { total: limit.total, remaining: limit.remaining, resetAfterMs: limit.reset_after, maxConcurrency: limit.max_concurrency, readAt: this.#o.clock.now() };
    return this.#last;
  }

  /**
   * Resolves once Discord has a session start left; with `spend`, counts one as spent (an IDENTIFY
   * follows). `read` fetches GET /gateway/bot. Rejects when `signal` aborts (the client stopped).
   */
  async whenAvailable(read: () => Promise<unknown>, signal: AbortSignal, options: { spend: boolean }): Promise<void> {
    for (;;) {
      signal.throwIfAborted();
      const now = this.#o.clock.now();
      if (this.#blockedUntil !== null && now < this.#blockedUntil) {
        await this.#o.clock.sleep(this.#blockedUntil - now, signal);
        continue;
      }
      const known = this.#last;
      // After a wait, always ask again: only Discord knows whether its period has rolled over.
      const limit = known && known.remaining > 0 && now - known.readAt < this.#o.freshForMs ? known : this.note(await read());
      signal.throwIfAborted();
      if (limit.remaining > 0) {
        this.#blockedUntil = null;
        if (options.spend) limit.remaining -= 1;
        return;
      }
      // Discord's reset_after can be 0 with nothing left for a moment around the reset; never spin.
      const waitMs = Math.max(limit.resetAfterMs, 1_000);
      this.#blockedUntil = this.#o.clock.now() + waitMs;
      this.#o.logger.error(
        { module: 'Gateway', sessionStartLimit: { total: limit.total, remaining: limit.remaining, resetAfterMs: limit.resetAfterMs }, identifyBlockedUntil: new Date(this.#blockedUntil).toISOString() },
        `[Gateway] Discord allows no more IDENTIFYs for this bot (0 of ${limit.total} session starts left); waiting ${Math.ceil(waitMs / 1000)} s for the limit to reset instead of retrying. Something is reconnecting far too often.`,
      );
    }
  }
}
