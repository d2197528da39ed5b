import { DISCORD_LIMITS } from '../discord-limits.ts';

export interface InvalidRequestLimitOptions {
  /** Invalid answers allowed per window (Discord: 10,000). */
  limit?: number;
  /** Window length (Discord: 10 minutes). */
  windowMs?: number;
}

export interface InvalidRequestCount {
  count: number;
  limit: number;
  /** ms until the window ends (0 when no window is open). */
  resetAfterMs: number;
  banned: boolean;
}

interface Window {
  count: number;
  endsAtMs: number;
}

/** Windows are pruned once there are this many, dropping ended ones (one per credential seen). */
const PRUNE_THRESHOLD = 1_000;

/**
 * Discord's "invalid request limit" (its Cloudflare ban): 401, 403 and 429 answers count, except
 * 429s with `X-RateLimit-Scope: shared`. Once a client has `limit` of them in a window, every
 * request it makes is refused until the window ends. Discord counts per IP address; every emulator
 * client shares 127.0.0.1, so the emulator counts per credential (the Authorization header) and one
 * misbehaving client does not ban another. Fixed windows starting at the first invalid answer,
 * on the injected clock.
 */
export class InvalidRequestLimit {
  readonly limit: number;
  readonly windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(options: InvalidRequestLimitOptions, now: () => number) {
    this.limit = options.limit ?? DISCORD_LIMITS.invalidRequests;
    this.windowMs = options.windowMs ?? DISCORD_LIMITS.invalidRequestWindowMs;
    if (!Number.isSafeInteger(this.limit) || this.limit < 1) {
      throw new RangeError(`invalidRequestLimit.limit must be an integer ≥ 1 (got ${this.limit})`);
    }
    if (!Number.isSafeInteger(this.windowMs) || this.windowMs < 1) {
      throw new RangeError(`invalidRequestLimit.windowMs must be a whole number of milliseconds ≥ 1 (got ${this.windowMs})`);
    }
    this.#now = now;
  }

  /** True while `identity` has used up its invalid requests for the current window. */
  isBanned(identity: string): boolean {
    const w = this.#current(identity);
    return w !== undefined && w.count >= this.limit;
  }

  /** Counts an answer sent to `identity` if Discord would count it. */
  record(identity: string, status: number, scope: string | undefined): void {
    if (!countsAsInvalid(status, scope)) return;
    let w = this.#current(identity);
    if (!w) {
      if (this.#windows.size >= PRUNE_THRESHOLD) this.#prune();
      w = { count: 0, endsAtMs: this.#now() + this.windowMs };
      this.#windows.set(identity, w);
    }
    w.count += 1;
  }

  count(identity: string): InvalidRequestCount {
    const w = this.#current(identity);
    return {
      count: w?.count ?? 0,
      limit: this.limit,
      resetAfterMs: w ? w.endsAtMs - this.#now() : 0,
      banned: w !== undefined && w.count >= this.limit,
    };
  }

  reset(): void {
    this.#windows.clear();
  }

  #current(identity: string): Window | undefined {
    const w = this.#windows.get(identity);
    if (w && w.endsAtMs <= this.#now()) {
      this.#windows.delete(identity);
      return undefined;
    }
    return w;
  }

  #prune(): void {
    const now = this.#now();
    for (const [key, w] of this.#windows) if (w.endsAtMs <= now) this.#windows.delete(key);
  }
}

/** 401, 403 and 429 count; a 429 of a shared resource limit is not the client's fault and does not. */
export function countsAsInvalid(status: number, scope: string | undefined): boolean {
  if (status === 401 || status === 403) return true;
  return status === 429 && scope !== 'shared';
}
