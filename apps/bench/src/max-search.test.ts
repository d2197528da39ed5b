/** The max-rate search (`searchMax`) and when its result is the bench's limit rather than the server's (`benchBoundAbove`). */
import { describe, expect, it } from 'vitest';
import { benchBoundAbove, searchMax } from './rooms-scenario.ts';

const step = (rate: number, over: Partial<{ ok: boolean; benchBound: boolean }> = {}) => ({ rate, achieved: rate, p99: 5, lost: 0, ok: true, benchBound: false, ...over });

describe('benchBoundAbove', () => {
  it('is true when a step above the best failed only because the bench could not offer its rate', () => {
    expect(benchBoundAbove({ best: 8546, steps: [step(5697), step(8546), step(12819, { ok: false, benchBound: true })] })).toBe(true);
  });

  it('is false when the failure above the best was the server’s (p99 or loss), even after a bench-bound step below it', () => {
    const steps = [step(500, { ok: false, benchBound: true }), step(250), step(375, { ok: false })];
    expect(benchBoundAbove({ best: 250, steps })).toBe(false);
  });

  it('counts only steps strictly above the best: a bench-bound failure at the best rate itself does not cap it', () => {
    expect(benchBoundAbove({ best: 8546, steps: [step(8546), step(8546, { ok: false, benchBound: true })] })).toBe(false);
  });

  it('is false when every step passed (the search ran out of steps)', () => {
    expect(benchBoundAbove({ best: 19229, steps: [step(8546), step(12819), step(19229)] })).toBe(false);
  });
});

describe('benchBoundAbove, two failures above the best', () => {
  it('follows the lower one: bench-bound at 9,615 under a server failure at 12,819 caps the best', () => {
    const steps = [step(8546), step(12819, { ok: false }), step(10683, { ok: false, benchBound: true }), step(9615, { ok: false, benchBound: true })];
    expect(benchBoundAbove({ best: 8546, steps })).toBe(true);
  });

  it('a server failure and a bench-bound one at the same rate: the server’s decides', () => {
    const steps = [step(8546), step(9615, { ok: false, benchBound: true }), step(9615, { ok: false })];
    expect(benchBoundAbove({ best: 8546, steps })).toBe(false);
  });
});

describe('searchMax', () => {
  /** A server that holds p99 under 50 ms up to `limit` events/s, with one-off pauses at the rates in `pausesAt` (the first run only). */
  function server(limit: number, pausesAt: number[] = []) {
    const runs: number[] = [];
    const measure = async (rate: number) => {
      const first = !runs.includes(rate);
      runs.push(rate);
      const pause = first && pausesAt.includes(rate);
      return { achieved: rate, p99: rate <= limit && !pause ? 5 : 120, lost: 0, deliveriesPerSecond: rate * 4 };
    };
    return { measure, runs };
  }

  it('raises ×1.5 from the start rate, then bisects twice between the last pass and the failure (each failure confirmed once)', async () => {
    const s = server(3200);
    const out = await searchMax(s.measure, 500, 50);
    expect(s.runs).toEqual([500, 750, 1125, 1688, 2532, 3798, 3798, 3165, 3482, 3482]);
    expect(out.best).toBe(3165);
    expect(out.deliveriesAtBest).toBe(3165 * 4);
    expect(out.steps.filter((step) => step.again).map((step) => step.rate)).toEqual([3798, 3482]);
  });

  it('a one-off failure (a single pause) is run again and the search goes on', async () => {
    const s = server(3200, [1125]);
    const out = await searchMax(s.measure, 500, 50);
    expect(out.best).toBe(3165);
    expect(out.steps.slice(2, 4)).toEqual([
      { rate: 1125, achieved: 1125, p99: 120, lost: 0, ok: false, benchBound: false },
      { rate: 1125, achieved: 1125, p99: 5, lost: 0, ok: true, benchBound: false, again: true },
    ]);
  });

  it('a step exactly at the p99 limit passes; one past it fails', async () => {
    const at = await searchMax(async (rate) => ({ achieved: rate, p99: rate <= 750 ? 50 : 50.001, lost: 0, deliveriesPerSecond: 0 }), 500, 50);
    expect(at.best).toBe(750);
  });

  it('a lost frame fails the step however low its p99', async () => {
    const out = await searchMax(async (rate) => ({ achieved: rate, p99: 1, lost: rate > 1000 ? 1 : 0, deliveriesPerSecond: 0 }), 500, 50);
    expect(out.best).toBe(938);
    expect(out.steps.find((step) => step.rate === 1125)).toMatchObject({ ok: false, benchBound: false });
  });

  it('a step the bench could not offer (< 95 % sent) is not run again, and caps the best', async () => {
    const runs: number[] = [];
    const out = await searchMax(async (rate) => {
      runs.push(rate);
      return { achieved: Math.min(rate, 2000), p99: 5, lost: 0, deliveriesPerSecond: 0 };
    }, 500, 50);
    expect(runs.filter((rate) => rate === 2532)).toHaveLength(1);
    expect(out.steps.every((step) => !step.again)).toBe(true);
    expect(benchBoundAbove(out)).toBe(true);
  });

  it('a first step that fails twice halves the rate until one passes', async () => {
    const s = server(300);
    const out = await searchMax(s.measure, 500, 50);
    expect(s.runs.slice(0, 3)).toEqual([500, 500, 250]);
    expect(out.best).toBeGreaterThanOrEqual(250);
  });
});
