import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '@repo/platform/testing';
import { AppError, toErrorResponse } from '../errors.ts';
import { ROOMS_RESTORING_MESSAGE, RoomRestore, RoomRestoreDefaults } from './room-restore.ts';

const log = pino({ level: 'silent' });

/** Where a promise stands, without waiting for it. */
function watch<T>(promise: Promise<T>): { state: () => 'pending' | 'resolved' | 'rejected'; error: () => unknown } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  let error: unknown;
  promise.then(
    () => (state = 'resolved'),
    (e: unknown) => {
      state = 'rejected';
      error = e;
    },
  );
  return { state: () => state, error: () => error };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('RoomRestore: requests wait for the read-back', () => {
  it('holds a request until the rooms are back, and lets it through at once after', async () => {
    const clock = new FakeClock();
    const restore = new RoomRestore({ clock, log });
    const waiting = watch(restore.awaitReady());
    await clock.advance(RoomRestoreDefaults.waitMs - 1);
    expect(waiting.state()).toBe('pending');
    restore.markReady();
    await settle();
    expect(waiting.state()).toBe('resolved');
    // The bound's timer was cancelled: nothing rejects later.
    await clock.advance(60_000);
    expect(waiting.state()).toBe('resolved');
    expect(restore.ready).toBe(true);
    await expect(restore.awaitReady()).resolves.toBeUndefined();
  });

  it('answers 503 with Retry-After exactly at the bound, not a millisecond before', async () => {
    const clock = new FakeClock();
    const restore = new RoomRestore({ clock, log });
    const waiting = watch(restore.awaitReady());
    await clock.advance(RoomRestoreDefaults.waitMs - 1);
    await settle();
    expect(waiting.state()).toBe('pending');
    await clock.advance(1);
    await settle();
    expect(waiting.state()).toBe('rejected');
    const error = waiting.error();
    expect(error).toBeInstanceOf(AppError);
    const response = toErrorResponse(error, log);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe(String(RoomRestoreDefaults.retryAfterSeconds));
    expect(await response.json()).toEqual({
      error: { kind: 'unavailable', message: ROOMS_RESTORING_MESSAGE, retryAfterSeconds: RoomRestoreDefaults.retryAfterSeconds, retryable: true, reason: 'rooms_restoring' },
    });
  });

  it('lets whenReady (WebSocket subscribes, Gateway events) wait past the bound', async () => {
    const clock = new FakeClock();
    const restore = new RoomRestore({ clock, log });
    const waiting = watch(restore.whenReady());
    await clock.advance(10 * RoomRestoreDefaults.waitMs);
    await settle();
    expect(waiting.state()).toBe('pending');
    restore.markReady();
    await settle();
    expect(waiting.state()).toBe('resolved');
  });
});

describe('RoomRestore.run: a read-back that fails is tried again', () => {
  it('retries after 1 s, then 2 s, and opens the gate on the first success', async () => {
    const clock = new FakeClock();
    const restore = new RoomRestore({ clock, log });
    let attempts = 0;
    const running = watch(
      restore.run(async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('Discord is unreachable');
      }),
    );
    await settle();
    expect(attempts).toBe(1);
    await clock.advance(999);
    expect(attempts).toBe(1);
    await clock.advance(1);
    await settle();
    expect(attempts).toBe(2);
    expect(restore.ready).toBe(false);
    await clock.advance(1_999);
    expect(attempts).toBe(2);
    await clock.advance(1);
    await settle();
    expect(attempts).toBe(3);
    expect(restore.ready).toBe(true);
    expect(running.state()).toBe('resolved');
  });

  it('caps the backoff at 16 s', async () => {
    const clock = new FakeClock();
    const restore = new RoomRestore({ clock, log });
    const at: number[] = [];
    void restore.run(async () => {
      at.push(clock.now());
      throw new Error('down');
    });
    // Small steps: each retry's timer is set only after the failed attempt has been logged.
    await settle();
    for (let i = 0; i < 130; i++) {
      await clock.advance(500);
      await settle();
    }
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    expect(gaps.slice(0, 6)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 16_000]);
    restore.stop();
  });

  it('stops retrying at shutdown, leaving the gate closed', async () => {
    const clock = new FakeClock();
    const restore = new RoomRestore({ clock, log });
    let attempts = 0;
    const running = watch(
      restore.run(async () => {
        attempts += 1;
        throw new Error('down');
      }),
    );
    await settle();
    restore.stop();
    await settle();
    expect(running.state()).toBe('resolved');
    await clock.advance(60_000);
    expect(attempts).toBe(1);
    expect(restore.ready).toBe(false);
  });
});
