import { describe, expect, it } from 'vitest';
import { InvalidRequestBudget, countsAsInvalidRequest } from './invalid-request-budget.ts';

const MINUTE = 60_000;
// A slot boundary, so the edges below are exact.
const t0 = 1_000 * 10 * MINUTE;

describe('countsAsInvalidRequest (what Discord counts toward the Cloudflare ban)', () => {
  it('counts 401, 403 and 429s of any scope but shared; nothing else', () => {
    expect(countsAsInvalidRequest(401, null)).toBe(true);
    expect(countsAsInvalidRequest(403, null)).toBe(true);
    expect(countsAsInvalidRequest(429, 'user')).toBe(true);
    expect(countsAsInvalidRequest(429, 'global')).toBe(true);
    // The Cloudflare ban's own 429s carry no rate-limit headers at all.
    expect(countsAsInvalidRequest(429, null)).toBe(true);
    expect(countsAsInvalidRequest(429, 'shared')).toBe(false);
    for (const status of [200, 204, 400, 404, 405, 409, 500, 502, 503]) expect(countsAsInvalidRequest(status, null)).toBe(false);
  });
});

describe('InvalidRequestBudget', () => {
  it('keeps a request in the count for the window and drops it exactly when the window has passed', () => {
    const budget = new InvalidRequestBudget({ windowMs: 10 * MINUTE, slots: 10, alertAbove: 1_000 });
    budget.record(t0);
    expect(budget.count(t0)).toBe(1);
    expect(budget.count(t0 + 10 * MINUTE - 1)).toBe(1);
    expect(budget.count(t0 + 10 * MINUTE)).toBe(0);
    // A slot reused a window later starts from zero, not from what the old one held.
    budget.record(t0 + 10 * MINUTE);
    expect(budget.count(t0 + 10 * MINUTE)).toBe(1);
  });

  it('sums every slot of the window', () => {
    const budget = new InvalidRequestBudget({ windowMs: 10 * MINUTE, slots: 10, alertAbove: 1_000 });
    for (let minute = 0; minute < 10; minute++) budget.record(t0 + minute * MINUTE + 30_000);
    expect(budget.count(t0 + 9 * MINUTE + 59_999)).toBe(10);
    expect(budget.count(t0 + 10 * MINUTE)).toBe(9);
  });

  it('alerts once when the count goes above the level (not at it), and again only after falling back', () => {
    const budget = new InvalidRequestBudget({ windowMs: 10 * MINUTE, slots: 10, alertAbove: 3 });
    expect([budget.record(t0), budget.record(t0), budget.record(t0)]).toEqual([false, false, false]);
    expect(budget.record(t0)).toBe(true);
    expect(budget.record(t0)).toBe(false);
    // A window later the count is back to one: re-armed.
    const later = t0 + 10 * MINUTE;
    expect([budget.record(later), budget.record(later), budget.record(later)]).toEqual([false, false, false]);
    expect(budget.record(later)).toBe(true);
  });
});
