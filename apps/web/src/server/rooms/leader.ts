/**
 * Runs a job on one instance at a time (R-ROOM7). Embedded: this process is always the leader.
 * With Redis: a lock with expiry (the scale-out issue).
 */
export interface LeaderGuard {
  /** Runs `job` if this instance wins `name` for up to `ttlMs`; resolves false when another holds it. */
  runExclusive(name: string, ttlMs: number, job: () => Promise<void>): Promise<boolean>;
}

export class SingleInstanceLeader implements LeaderGuard {
  readonly #running = new Set<string>();

  async runExclusive(name: string, _ttlMs: number, job: () => Promise<void>): Promise<boolean> {
    // Even alone, two overlapping runs (a slow run and the next tick) must not both act.
    if (this.#running.has(name)) return false;
    this.#running.add(name);
    try {
      await job();
      return true;
    } finally {
      this.#running.delete(name);
    }
  }
}
