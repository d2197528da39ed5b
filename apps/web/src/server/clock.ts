/** Time as the app sees it. Injected everywhere behaviour depends on it; tests pass a fake. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
