import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReconnectGate, reconnectDelayMs } from './reconnect-backoff.ts';
import { FakeClock, flushMicrotasks } from '@repo/platform/testing';

const policy = { baseMs: 1_000, maxMs: 16_000 };

describe('reconnectDelayMs', () => {
  it('follows 1s, 2s, 4s, 8s, 16s, then stays at 16s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map((n) => reconnectDelayMs(n, policy))).toEqual([
      0, 1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000, 16_000,
    ]);
  });

  it('never decreases and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (n) => {
        const d = reconnectDelayMs(n, policy);
        return d <= policy.maxMs && d <= reconnectDelayMs(n + 1, policy);
      }),
    );
  });
});

describe('ReconnectGate', () => {
  it('paces failed attempts on the fake clock and reports each failure', async () => {
    const clock = new FakeClock();
    const failures: Array<[number, number]> = [];
    const gate = new ReconnectGate(clock, policy, { onFailure: (n, d) => failures.push([n, d]) });
    const startedAt: number[] = [];

    // A connector that always fails: it asks the gate, "connects", fails, asks again...
    const loop = (async () => {
      while (await gate.beforeAttempt()) startedAt.push(clock.now());
    })();

    await flushMicrotasks();
    expect(startedAt).toHaveLength(1); // the first attempt never waits
    for (const expectedWait of [1_000, 2_000, 4_000, 8_000, 16_000, 16_000, 16_000]) {
      const before = startedAt.length;
      await clock.advance(expectedWait - 1);
      expect(startedAt).toHaveLength(before);
      await clock.advance(1);
      expect(startedAt).toHaveLength(before + 1);
    }
    const t0 = startedAt[0] ?? 0;
    expect(startedAt.map((t) => t - t0)).toEqual([0, 1_000, 3_000, 7_000, 15_000, 31_000, 47_000, 63_000]);
    expect(failures.slice(0, 6)).toEqual([
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [4, 8_000],
      [5, 16_000],
      [6, 16_000],
    ]);
    gate.close();
    await loop;
  });

  it('starts over at 1s after a success', async () => {
    const clock = new FakeClock();
    const gate = new ReconnectGate(clock, policy);
    expect(await gate.beforeAttempt()).toBe(true);
    const second = gate.beforeAttempt();
    await clock.advance(1_000);
    expect(await second).toBe(true);
    const third = gate.beforeAttempt();
    await clock.advance(2_000);
    expect(await third).toBe(true);
    expect(gate.consecutiveFailures).toBe(2);

    gate.succeeded();
    expect(gate.consecutiveFailures).toBe(0);
    // A healthy connection that drops reconnects at once.
    expect(await gate.beforeAttempt()).toBe(true);
    const next = gate.beforeAttempt();
    expect(clock.nextDueInMs()).toBe(1_000);
    await clock.advance(1_000);
    expect(await next).toBe(true);
  });

  it('close() releases a waiting attempt with false and refuses later ones', async () => {
    const clock = new FakeClock();
    const gate = new ReconnectGate(clock, policy);
    await gate.beforeAttempt();
    const waiting = gate.beforeAttempt();
    gate.close();
    expect(await waiting).toBe(false);
    expect(await gate.beforeAttempt()).toBe(false);
    expect(clock.pending()).toHaveLength(0);
  });
});
