import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.ts';

// Every time-based test in the workspace trusts this clock; a fake that fired early, late or out of
// order would let those tests pass for the wrong reason.
/** What fired, and when by the clock, in the order it fired. */
function recorder(clock: FakeClock) {
  const fired: Array<[string, number]> = [];
  return { fired, at: (name: string) => () => void fired.push([name, clock.now()]) };
}

describe('FakeClock', () => {
  it('fires timers and wakes sleeps in time order, each at its own time, never before', async () => {
    const clock = new FakeClock({ startMs: 0 });
    const { fired, at } = recorder(clock);
    clock.setTimeout(at('timeout 300'), 300);
    void clock.sleep(100).then(at('sleep 100'));
    clock.setTimeout(at('timeout 100'), 100);
    await clock.advance(99);
    expect(fired).toEqual([]);
    expect(clock.nextDueInMs()).toBe(1);
    await clock.advance(1);
    expect(fired).toEqual([
      ['sleep 100', 100],
      ['timeout 100', 100],
    ]);
    await clock.advance(500);
    expect(fired.at(-1)).toEqual(['timeout 300', 300]);
    expect(clock.now()).toBe(600);
    expect(clock.pending()).toEqual([]);
    expect(clock.sleeps).toEqual([100]);
  });

  it('within one advance, fires in time order whatever the order they were set in', async () => {
    const clock = new FakeClock({ startMs: 0 });
    const { fired, at } = recorder(clock);
    void clock.sleep(200).then(at('sleep'));
    clock.setTimeout(at('set first, due last'), 300);
    clock.setTimeout(at('set last, due first'), 100);
    await clock.advance(1_000);
    expect(fired).toEqual([
      ['set last, due first', 100],
      ['sleep', 200],
      ['set first, due last', 300],
    ]);
  });

  it('lists what waits as the ms until each is due, soonest first, counted from the moving now', async () => {
    const clock = new FakeClock({ startMs: 0 });
    clock.setTimeout(() => undefined, 300);
    void clock.sleep(100);
    const stop = clock.setInterval(() => undefined, 250);
    expect(clock.pending()).toEqual([100, 250, 300]);
    await clock.advance(120);
    expect(clock.pending()).toEqual([130, 180]);
    await clock.advance(130);
    // The interval fired at 250 and waits for 500 again.
    expect(clock.pending()).toEqual([50, 250]);
    expect(clock.nextDueInMs()).toBe(50);
    stop();
    await clock.advance(50);
    expect(clock.pending()).toEqual([]);
    expect(clock.nextDueInMs()).toBeNull();
  });

  it('repeats an interval until stopped, and a cancelled timeout never fires', async () => {
    const clock = new FakeClock({ startMs: 0 });
    const ticks: number[] = [];
    const stop = clock.setInterval(() => ticks.push(clock.now()), 1_000);
    const cancel = clock.setTimeout(() => ticks.push(-1), 500);
    cancel();
    await clock.advance(3_000);
    stop();
    await clock.advance(5_000);
    expect(ticks).toEqual([1_000, 2_000, 3_000]);
    expect(clock.pending()).toEqual([]);
  });

  it('an aborted sleep rejects with the reason and leaves nothing pending', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1_000, controller.signal);
    expect(clock.pending()).toEqual([1_000]);
    controller.abort(new Error('stopped'));
    await expect(sleeping).rejects.toThrow('stopped');
    expect(clock.pending()).toEqual([]);
    await expect(clock.sleep(1, controller.signal)).rejects.toThrow('stopped');
  });

  it('with instant sleeps, each sleep returns on its own and moves time by its length', async () => {
    const clock = new FakeClock({ startMs: 5, sleeps: 'instant' });
    await clock.sleep(1_000);
    await clock.sleep(2_000);
    expect(clock.now()).toBe(3_005);
    expect(clock.sleeps).toEqual([1_000, 2_000]);
    expect(clock.pending()).toEqual([]);
    const controller = new AbortController();
    controller.abort(new Error('stopped'));
    await expect(clock.sleep(10, controller.signal)).rejects.toThrow('stopped');
    expect(clock.now()).toBe(3_005);
  });
});
