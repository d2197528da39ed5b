import { describe, expect, it } from 'vitest';
import { SessionStartLimit } from './session-start-limit.ts';
import { FakeClock } from '@repo/platform/testing';

const DAY_MS = 86_400_000;

describe('SessionStartLimit', () => {
  it('defaults to Discord’s budget and spends one start per take until none is left', () => {
    const clock = new FakeClock();
    const limit = new SessionStartLimit({ total: 2 }, () => clock.now());
    expect(limit.snapshot()).toEqual({ total: 2, remaining: 2, reset_after: DAY_MS, max_concurrency: 1 });
    expect([limit.take(), limit.take(), limit.take()]).toEqual([true, true, false]);
    expect(limit.snapshot().remaining).toBe(0);
  });

  it('resets exactly when reset_after reaches 0, then runs 24 h periods in phase, even across a jump', async () => {
    const clock = new FakeClock();
    const limit = new SessionStartLimit({ total: 5, remaining: 0, resetAfterMs: 1_000 }, () => clock.now());
    await clock.advance(999);
    expect(limit.snapshot()).toMatchObject({ remaining: 0, reset_after: 1 });
    expect(limit.take()).toBe(false);
    await clock.advance(1);
    expect(limit.snapshot()).toMatchObject({ remaining: 5, reset_after: DAY_MS });
    limit.take();
    await clock.advance(3 * DAY_MS + 10);
    expect(limit.snapshot()).toMatchObject({ remaining: 5, reset_after: DAY_MS - 10 });
  });

  it('set() changes remaining and the countdown; reset() goes back to the start options', async () => {
    const clock = new FakeClock();
    const limit = new SessionStartLimit({ total: 10, remaining: 7, resetAfterMs: 5_000 }, () => clock.now());
    limit.set({ remaining: 0, resetAfterMs: 100 });
    expect(limit.snapshot()).toMatchObject({ remaining: 0, reset_after: 100 });
    await clock.advance(50);
    limit.reset();
    expect(limit.snapshot()).toEqual({ total: 10, remaining: 7, reset_after: 5_000, max_concurrency: 1 });
  });

  it('refuses impossible numbers and changes nothing', () => {
    const clock = new FakeClock();
    expect(() => new SessionStartLimit({ total: 3, remaining: 4 }, () => clock.now())).toThrow(RangeError);
    expect(() => new SessionStartLimit({ maxConcurrency: 0 }, () => clock.now())).toThrow(RangeError);
    expect(() => new SessionStartLimit({ resetAfterMs: -1 }, () => clock.now())).toThrow(RangeError);
    const limit = new SessionStartLimit({ total: 3 }, () => clock.now());
    expect(() => limit.set({ remaining: 4, resetAfterMs: 1 })).toThrow('remaining must be an integer from 0 to 3');
    expect(() => limit.set({ remaining: 1, resetAfterMs: 1.5 })).toThrow(RangeError);
    expect(limit.snapshot()).toMatchObject({ remaining: 3, reset_after: DAY_MS });
  });
});
