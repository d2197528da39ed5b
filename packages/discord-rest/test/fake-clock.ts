import type { Clock } from '@repo/platform';

/** A clock that never sleeps: every wait is recorded and moves time forward at once. */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  #nowMs: number;

  constructor(startMs = 1_700_000_000_000) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    // Time passes when the "timer fires": what else is under way meanwhile still sees the old time.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#nowMs += ms;
    signal?.throwIfAborted();
  }
}
