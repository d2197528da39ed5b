/**
 * Discord lets a connection send 120 payloads per 60 seconds and closes it with 4008 beyond that.
 * Fixed windows starting at the first frame, like Discord's own counter (and like @discordjs/ws's
 * client-side guard, which stops at 115 to stay under it).
 */
export const INBOUND_FRAMES_PER_WINDOW = 120;
export const INBOUND_WINDOW_MS = 60_000;

export class InboundRateLimit {
  #windowStartedAt: number | null = null;
  #count = 0;

  /** Counts one frame; false when it is over the limit. */
  take(now: number): boolean {
    if (this.#windowStartedAt === null || now - this.#windowStartedAt >= INBOUND_WINDOW_MS) {
      this.#windowStartedAt = now;
      this.#count = 0;
    }
    this.#count += 1;
    return this.#count <= INBOUND_FRAMES_PER_WINDOW;
  }
}
