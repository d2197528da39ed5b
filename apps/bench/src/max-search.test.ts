/** When a max-rate result is the bench's limit rather than the server's (`benchBoundAbove`). */
import { describe, expect, it } from 'vitest';
import { benchBoundAbove } from './rooms-scenario.ts';

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
