import type { Clock } from '@repo/platform';

interface PendingSleep {
  dueAt: number;
  resolve: () => void;
}

/** A clock that only moves when the test says so; `advanceBy` wakes due sleepers in time order. */
export class FakeClock implements Clock {
  #now: number;
  readonly #sleepers = new Set<PendingSleep>();

  constructor(startMs = 1_700_000_000_000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const sleeper: PendingSleep = {
        dueAt: this.#now + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.#sleepers.delete(sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.add(sleeper);
    });
  }

  /** How many sleeps are waiting, and the earliest wake-up relative to now (null when none). */
  get pendingSleeps(): number {
    return this.#sleepers.size;
  }

  nextWakeInMs(): number | null {
    let earliest: number | null = null;
    for (const s of this.#sleepers) earliest = earliest === null ? s.dueAt : Math.min(earliest, s.dueAt);
    return earliest === null ? null : earliest - this.#now;
  }

  /** Moves time forward, waking every sleeper that falls due, then lets their continuations run. */
  async advanceBy(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const due = [...this.#sleepers].filter((s) => s.dueAt <= target).sort((a, b) => a.dueAt - b.dueAt);
      const next = due[0];
      if (!next) break;
      this.#now = Math.max(this.#now, next.dueAt);
      this.#sleepers.delete(next);
      next.resolve();
      await flushMicrotasks();
    }
    this.#now = target;
    await flushMicrotasks();
  }
}

/** Lets already-queued promise continuations (and the I/O callbacks they queue) run. */
export async function flushMicrotasks(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}
