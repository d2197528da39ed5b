import type { RealtimeEnvironment } from './realtime-environment.ts';

/**
 * One-shot timers by name, on the environment's clock (tests move a fake one): setting a name
 * replaces its pending timer, so a state machine never has two of one kind running.
 */
export class NamedTimers<Name extends string> {
  readonly #clock: Pick<RealtimeEnvironment, 'setTimeout' | 'clearTimeout'>;
  readonly #handles = new Map<Name, unknown>();

  constructor(clock: Pick<RealtimeEnvironment, 'setTimeout' | 'clearTimeout'>) {
    this.#clock = clock;
  }

  has(name: Name): boolean {
    return this.#handles.has(name);
  }

  set(name: Name, ms: number, fn: () => void): void {
    this.clear(name);
    const handle = this.#clock.setTimeout(() => {
      if (this.#handles.get(name) === handle) this.#handles.delete(name);
      fn();
    }, ms);
    this.#handles.set(name, handle);
  }

  clear(...names: Name[]): void {
    for (const name of names) {
      const handle = this.#handles.get(name);
      if (handle === undefined) continue;
      this.#clock.clearTimeout(handle);
      this.#handles.delete(name);
    }
  }
}
