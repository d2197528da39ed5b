import type { Clock } from '../clock.ts';

export interface FakeClockOptions {
  /** Where time starts, in ms since the epoch. */
  startMs?: number;
  /**
   * `manual` (the default): a sleep waits like any timer until `advance()` reaches it.
   * `instant`: a sleep returns after one turn of the event loop and moves time forward by its
   * length, for code that only ever waits on the clock, where the test asserts the waits (`sleeps`)
   * rather than driving them one by one.
   */
  sleeps?: 'manual' | 'instant';
}

interface PendingTimer {
  at: number;
  fire: () => void;
  /** Null for a one-shot timer or a sleep. */
  every: number | null;
}

/** A clock that only moves when the test says so: `advance` fires due timers and wakes due sleeps in time order. */
export class FakeClock implements Clock {
  /** Every sleep asked for, in ms, in the order asked. */
  readonly sleeps: number[] = [];
  readonly #instant: boolean;
  #now: number;
  #nextId = 0;
  readonly #timers = new Map<number, PendingTimer>();

  constructor(options: FakeClockOptions = {}) {
    this.#now = options.startMs ?? 1_700_000_000_000;
    this.#instant = options.sleeps === 'instant';
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const id = this.#add({ at: this.#now + ms, fire: fn, every: null });
    return () => this.#timers.delete(id);
  }

  setInterval(fn: () => void, ms: number): () => void {
    const id = this.#add({ at: this.#now + ms, fire: fn, every: ms });
    return () => this.#timers.delete(id);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#instant ? this.#sleepInstantly(ms, signal) : this.#sleepUntilAdvanced(ms, signal);
  }

  /** The timers and sleeps waiting to fire, as how long until each is due (ms from now), soonest first. */
  pending(): number[] {
    return [...this.#timers.values()].map((timer) => timer.at - this.#now).sort((a, b) => a - b);
  }

  /** How long until the earliest timer or sleep is due, or null when none waits. */
  nextDueInMs(): number | null {
    return this.pending()[0] ?? null;
  }

  /** Moves time forward, firing every timer that falls due in order and letting the work each one starts run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      let next: [number, PendingTimer] | undefined;
      for (const entry of this.#timers) if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      const [id, timer] = next;
      this.#now = Math.max(this.#now, timer.at);
      if (timer.every === null) this.#timers.delete(id);
      else timer.at += timer.every;
      timer.fire();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  #add(timer: PendingTimer): number {
    const id = this.#nextId++;
    this.#timers.set(id, timer);
    return id;
  }

  #sleepUntilAdvanced(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      this.sleeps.push(ms);
      const onAbort = (): void => {
        this.#timers.delete(id);
        reject(signal?.reason);
      };
      const id = this.#add({
        at: this.#now + Math.max(0, ms),
        every: null,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async #sleepInstantly(ms: number, signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    // Time passes when the "timer fires": what else is under way meanwhile still sees the old time.
    await flushMicrotasks();
    this.#now += ms;
    signal?.throwIfAborted();
  }
}

/** Lets already-queued promise continuations (and the I/O callbacks they queue) run: one turn of the event loop. */
export async function flushMicrotasks(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Lets promise chains started by a timer run to completion (they await only in-memory work and I/O on loopback). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await flushMicrotasks();
}
