/*
 * Discord's invalid-request limit (https://discord.com/developers/docs/topics/rate-limits#invalid-request-limit-aka-cloudflare-bans):
 * an IP that sends 10,000 requests answered 401, 403 or 429 within 10 minutes is banned by Cloudflare
 * for about an hour. A 429 whose `X-RateLimit-Scope` is `shared` does not count (a per-resource limit
 * the client could not have predicted). Nothing in a client can recover from that ban, so the client
 * counts what it sends into the limit and raises the alarm long before it.
 */

export interface InvalidRequestBudgetOptions {
  /** The window Discord counts over. */
  windowMs: number;
  /** The window is kept as this many slots; a request leaves the count between windowMs − slotMs and windowMs after it. */
  slots: number;
  /** Above this many invalid requests in the window, an operator alert is raised (once per crossing). */
  alertAbove: number;
}

/** Whether Discord counts this answer toward the invalid-request limit. */
export function countsAsInvalidRequest(status: number, scope: string | null): boolean {
  if (status === 401 || status === 403) return true;
  return status === 429 && scope !== 'shared';
}

/**
 * Invalid requests over a sliding window, in fixed slots (a ring of counters: O(1) per request and
 * O(slots) per read, whatever the volume). `record` returns true exactly when the count goes above
 * `alertAbove`; it re-arms once the count has fallen back to `alertAbove` or below.
 */
export class InvalidRequestBudget {
  readonly #slotMs: number;
  readonly #slotIds: Float64Array;
  readonly #counts: Uint32Array;
  readonly #alertAbove: number;
  #alerted = false;

  constructor(options: InvalidRequestBudgetOptions) {
    if (!Number.isInteger(options.slots) || options.slots < 1) throw new RangeError('slots must be a positive integer');
    this.#slotMs = options.windowMs / options.slots;
    this.#slotIds = new Float64Array(options.slots).fill(-1);
    this.#counts = new Uint32Array(options.slots);
    this.#alertAbove = options.alertAbove;
  }

  /** Notes one invalid request at `nowMs`; true when this one took the count above the alert level. */
  record(nowMs: number): boolean {
    const slotId = Math.floor(nowMs / this.#slotMs);
    const index = slotId % this.#slotIds.length;
    if (this.#slotIds[index] !== slotId) {
      this.#slotIds[index] = slotId;
      this.#counts[index] = 0;
    }
    this.#counts[index] = (this.#counts[index] ?? 0) + 1;
    const count = this.count(nowMs);
    if (count <= this.#alertAbove) {
      this.#alerted = false;
      return false;
    }
    if (this.#alerted) return false;
    this.#alerted = true;
    return true;
  }

  /** Invalid requests in the window that ends at `nowMs`. */
  count(nowMs: number): number {
    const current = Math.floor(nowMs / this.#slotMs);
    const oldest = current - this.#slotIds.length + 1;
    let total = 0;
    for (let i = 0; i < this.#slotIds.length; i++) {
      const id = this.#slotIds[i] ?? -1;
      if (id >= oldest && id <= current) total += this.#counts[i] ?? 0;
    }
    return total;
  }
}
