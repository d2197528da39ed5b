import { describe, expect, it } from 'vitest';
import { GatewayInformationError, IdentifyBudget } from './identify-budget.ts';
import { FakeClock, flushMicrotasks, recordingLogger } from '@repo/platform/testing';

const info = (remaining: number, resetAfterMs = 60_000, total = 1000) => ({
  url: 'wss://gateway.discord.gg',
  shards: 1,
  session_start_limit: { total, remaining, reset_after: resetAfterMs, max_concurrency: 1 },
});

function setup(answers: unknown[]) {
  const clock = new FakeClock();
  const logger = recordingLogger();
  const budget = new IdentifyBudget({ clock, logger, freshForMs: 5_000 });
  let reads = 0;
  const read = async () => {
    const answer = answers[Math.min(reads, answers.length - 1)];
    reads += 1;
    return answer;
  };
  return { clock, logger, budget, read, reads: () => reads, signal: new AbortController().signal };
}

describe('IdentifyBudget (session_start_limit)', () => {
  it('lets an identify through at once while one start is left, and counts it spent', async () => {
    const t = setup([info(1)]);
    await t.budget.whenAvailable(t.read, t.signal, { spend: true });
    expect(t.budget.blockedUntil).toBeNull();
    expect(t.budget.last).toMatchObject({ remaining: 0, total: 1000, resetAfterMs: 60_000, readAt: t.clock.now() });
    expect(t.clock.pending()).toHaveLength(0);
  });

  it('at remaining 0 waits reset_after on the clock with an error log, then asks again and goes', async () => {
    const t = setup([info(0, 90_000), info(1000)]);
    let done = false;
    void t.budget.whenAvailable(t.read, t.signal, { spend: true }).then(() => (done = true));
    await flushMicrotasks();
    expect(t.clock.nextDueInMs()).toBe(90_000);
    expect(t.budget.blockedUntil).toBe(t.clock.now() + 90_000);
    const errors = t.logger.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toMatch(/^\[Gateway\] Discord allows no more IDENTIFYs .*0 of 1000.*waiting 90 s/);

    await t.clock.advance(89_999);
    expect(done).toBe(false);
    expect(t.reads()).toBe(1);
    await t.clock.advance(1);
    await flushMicrotasks();
    expect(done).toBe(true);
    expect(t.reads()).toBe(2);
    expect(t.budget.blockedUntil).toBeNull();
  });

  it('keeps waiting while Discord still says 0 after the wait, logging each new wait', async () => {
    const t = setup([info(0, 10_000), info(0, 20_000), info(5)]);
    let done = false;
    void t.budget.whenAvailable(t.read, t.signal, { spend: true }).then(() => (done = true));
    await flushMicrotasks();
    await t.clock.advance(10_000);
    await flushMicrotasks();
    expect(done).toBe(false);
    expect(t.clock.nextDueInMs()).toBe(20_000);
    await t.clock.advance(20_000);
    await flushMicrotasks();
    expect(done).toBe(true);
    expect(t.logger.lines.filter((l) => l.level === 'error')).toHaveLength(2);
  });

  it('never spins on reset_after 0 with nothing left: waits at least a second', async () => {
    const t = setup([info(0, 0), info(1)]);
    void t.budget.whenAvailable(t.read, t.signal, { spend: true });
    await flushMicrotasks();
    expect(t.clock.nextDueInMs()).toBe(1_000);
  });

  it('trusts a fresh reading (our own identifies subtracted), and asks again once it is stale or spent', async () => {
    const t = setup([info(2), info(2), info(0)]);
    await t.budget.whenAvailable(t.read, t.signal, { spend: false });
    expect(t.reads()).toBe(1);
    await t.budget.whenAvailable(t.read, t.signal, { spend: true });
    expect([t.reads(), t.budget.last?.remaining]).toEqual([1, 1]);
    await t.clock.advance(4_999);
    await t.budget.whenAvailable(t.read, t.signal, { spend: true });
    expect([t.reads(), t.budget.last?.remaining]).toEqual([1, 0]);
    // Spent to zero locally: Discord is asked, never trusted to have reset by itself.
    await t.budget.whenAvailable(t.read, t.signal, { spend: true });
    expect(t.reads()).toBe(2);
    await t.clock.advance(5_000);
    void t.budget.whenAvailable(t.read, t.signal, { spend: true });
    await flushMicrotasks();
    expect(t.reads()).toBe(3);
    expect(t.budget.blockedUntil).not.toBeNull();
  });

  it('stops waiting when the client stops (abort)', async () => {
    const t = setup([info(0)]);
    const controller = new AbortController();
    const waiting = t.budget.whenAvailable(t.read, controller.signal, { spend: true });
    await flushMicrotasks();
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
  });

  it('refuses an answer without a usable session_start_limit', async () => {
    const t = setup([{ url: 'wss://x', shards: 1 }]);
    await expect(t.budget.whenAvailable(t.read, t.signal, { spend: true })).rejects.toBeInstanceOf(GatewayInformationError);
    const negative = setup([info(-1)]);
    await expect(negative.budget.whenAvailable(negative.read, negative.signal, { spend: true })).rejects.toBeInstanceOf(GatewayInformationError);
  });
});
