/**
 * One clock for every bench process. `process.hrtime` reads CLOCK_MONOTONIC, which Linux shares
 * across processes, so a send time taken in the driver and a receive time taken in a client
 * worker are directly comparable (performance.now() is not: each process has its own origin).
 */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
