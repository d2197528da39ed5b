import type { Clock } from '@repo/platform';

/**
 * One-shot timers by name, on the environment's clock (tests move a fake one): setting a name
 * replaces its pending timer, so a state machine never has two of one kind running.
 */
export class NamedTimers<Name extends string> {
  readonly #clock: Pick<Clock, 'setTimeout'>;
  readonly #cancels = new Map<Name, () => void>();

  constructor(clock: Pick<Clock, 'setTimeout'>) {
    this.#clock = clock;
  }

  has(name: Name): boolean {
    return this.#cancels.has(name);
  }

  set(name: Name, ms: number, fn: () => void): void {
    this.clear(name);
    const cancel = this.#clock.setTimeout(() => {
      if (this.#cancels.get(name) === cancel) this.#cancels.delete(name);
      fn();
    }, ms);
    this.#cancels.set(name, cancel);
  }

  clear(...names: Name[]): void {
    for (const name of names) {
      this.#cancels.get(name)?.();
      this.#cancels.delete(name);
    }
  }
}
