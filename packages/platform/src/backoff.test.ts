import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffCeiling, backoffDelay } from './backoff.ts';

describe('backoff with full jitter', () => {
  it('doubles the ceiling from 1 s and stays at 16 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50, 5000].map((a) => backoffCeiling(a))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000, 16_000, 16_000,
    ]);
  });

  it('draws uniformly between 0 and the ceiling', () => {
    expect(backoffDelay(0, () => 0)).toBe(0);
    expect(backoffDelay(0, () => 0.5)).toBe(500);
    expect(backoffDelay(3, () => 0.25)).toBe(2_000);
    expect(backoffDelay(10, () => 0.999_999)).toBe(16_000);
  });

  it('never leaves [0, ceiling], whatever the random source returns', () => {
    for (const r of [-1, 0, 0.3, 1, 2, Number.NaN]) {
      for (let attempt = 0; attempt < 8; attempt++) {
        const d = backoffDelay(attempt, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(backoffCeiling(attempt));
      }
    }
  });

  it('spreads a crowd of clients over the whole window', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const delays = Array.from({ length: 1_000 }, () => backoffDelay(4, random));
    const buckets = new Array(4).fill(0) as number[];
    for (const d of delays) buckets[Math.min(3, Math.floor(d / 4_000))]!++;
    for (const count of buckets) expect(count).toBeGreaterThan(180);
  });

  it('treats odd attempts as the nearest sane value', () => {
    expect(backoffCeiling(-3)).toBe(DEFAULT_BACKOFF.baseMs);
    expect(backoffCeiling(1.7)).toBe(2_000);
    expect(backoffCeiling(Number.POSITIVE_INFINITY)).toBe(16_000);
  });
});
