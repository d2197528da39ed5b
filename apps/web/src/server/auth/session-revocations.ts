/**
 * Sign-ins ended by logout (R-AUTH2). The session cookie is sealed, not stored, so logging out
 * cannot delete it: a copy of the old cookie would stay valid until its expiry. Instead each
 * cookie names its sign-in (`sid`, session.ts) and logout lists that id here until the sign-in
 * would have ended anyway; `AuthService` refuses any cookie whose id is listed.
 *
 * One process: a map (this file). With REDIS_URL: a key per id with that expiry, so every
 * instance refuses it (redis-session-revocations.ts).
 */
export interface SessionRevocations {
  /** Lists `sid` as ended until `until` (ms since the epoch): the sign-in's own end. */
  revoke(sid: string, until: number): Promise<void>;
  isRevoked(sid: string): Promise<boolean>;
}

/** How often the in-memory list drops entries past their expiry. */
const SWEEP_EVERY_MS = 60_000;

export class MemorySessionRevocations implements SessionRevocations {
  readonly #until = new Map<string, number>();
  readonly #now: () => number;
  #sweptAt: number;

  constructor(now: () => number) {
    this.#now = now;
    this.#sweptAt = now();
  }

  async revoke(sid: string, until: number): Promise<void> {
    const now = this.#now();
    this.#sweep(now);
    if (until <= now) return; // already over: its cookie no longer opens
    this.#until.set(sid, Math.max(until, this.#until.get(sid) ?? 0));
  }

  async isRevoked(sid: string): Promise<boolean> {
    const until = this.#until.get(sid);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#until.delete(sid);
    return false;
  }

  /** Entries still listed (tests, and a bound an operator can reason about: one per logout within 30 days). */
  get size(): number {
    return this.#until.size;
  }

  #sweep(now: number): void {
    if (now - this.#sweptAt < SWEEP_EVERY_MS) return;
    this.#sweptAt = now;
    for (const [sid, until] of this.#until) if (until <= now) this.#until.delete(sid);
  }
}
