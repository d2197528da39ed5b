/**
 * GC pauses of a bench process. A client-side pause delays the receive timestamps of every frame
 * that arrives meanwhile, which would show up as server latency; phases report the longest one so
 * a reader can tell the two apart.
 */
import { PerformanceObserver } from 'node:perf_hooks';

let maxPauseMs = 0;
let totalMs = 0;
let observer: PerformanceObserver | undefined;

export function watchGc(): void {
  observer ??= new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      maxPauseMs = Math.max(maxPauseMs, entry.duration);
      totalMs += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

/** GC since the previous call. */
export function takeGc(): { maxPauseMs: number; totalMs: number } {
  const out = { maxPauseMs, totalMs };
  maxPauseMs = 0;
  totalMs = 0;
  return out;
}
