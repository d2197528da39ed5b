import { describe, expect, it } from 'vitest';
import { systemClock } from './clock.ts';

// The real clock on real (short) time: the fake one stands in for it everywhere else, so the two
// must agree on what cancelling and aborting mean.
describe('systemClock', () => {
  it('sleeps about as long as asked', async () => {
    const before = systemClock.now();
    await systemClock.sleep(30);
    expect(systemClock.now() - before).toBeGreaterThanOrEqual(25);
  });

  it('a sleep rejects with the reason as soon as its signal aborts, and at once when it already had', async () => {
    const controller = new AbortController();
    const reason = new Error('stopped');
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    await expect(systemClock.sleep(1, controller.signal)).rejects.toBe(reason);
  });

  it('a cancelled timeout never fires; an interval fires until stopped', async () => {
    let timeouts = 0;
    let ticks = 0;
    systemClock.setTimeout(() => (timeouts += 1), 5)();
    const stop = systemClock.setInterval(() => (ticks += 1), 5);
    await new Promise((resolve) => setTimeout(resolve, 40));
    stop();
    const seen = ticks;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(timeouts).toBe(0);
    expect(seen).toBeGreaterThanOrEqual(2);
    expect(ticks).toBe(seen);
  });
});
