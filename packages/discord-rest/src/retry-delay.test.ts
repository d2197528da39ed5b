import { describe, expect, it } from 'vitest';
import { retryDelayMs, retryWaitMs } from './retry-delay.ts';
import { discordRestDefaults } from './defaults.ts';

const schedule = { baseMs: discordRestDefaults.backoffBaseMs, maxMs: discordRestDefaults.backoffMaxMs };

describe('retry delay', () => {
  it('waits 1, 2, 4, 8, 16 s for the five retries R-RL1 allows, and never more than 16 s', () => {
    expect([1, 2, 3, 4, 5].map((retry) => retryDelayMs(retry, schedule))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(retryDelayMs(9, schedule)).toBe(16_000);
  });

  it("lets Discord's retry_after win only when it is longer", () => {
    expect(retryWaitMs(1, schedule, 250)).toBe(1_000);
    expect(retryWaitMs(1, schedule, 5_000)).toBe(5_000);
    expect(retryWaitMs(5, schedule, 5_000)).toBe(16_000);
    expect(retryWaitMs(2, schedule, undefined)).toBe(2_000);
  });

  it('rejects a retry number that is not a positive integer', () => {
    expect(() => retryDelayMs(0, schedule)).toThrow(RangeError);
  });
});
