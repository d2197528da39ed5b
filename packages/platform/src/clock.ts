/**
 * Time as the app and the Discord packages see it: cleanup, expiry, heartbeats, backoff, rate-limit
 * gates and event timestamps. Injected wherever behaviour depends on it; tests pass the FakeClock of
 * `@repo/platform/testing` and move it instead of sleeping.
 */
export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
  /** Runs `fn` every `ms`; returns a function that stops it. */
  setInterval(fn: () => void, ms: number): () => void;
  /** Resolves after `ms`; rejects with the signal's reason as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // Timers are unref'd: a cleanup interval or an auth deadline must never keep a stopping process
  // alive. A sleep is not: whoever awaits it is the work still to do.
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return () => clearTimeout(t);
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms);
    t.unref?.();
    return () => clearInterval(t);
  },
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
