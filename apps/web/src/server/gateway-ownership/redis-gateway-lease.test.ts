import type { SessionInfo } from '@repo/discord-gateway';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisTestSpace, redisAvailable, silentLog } from '../../../test/cluster/redis.ts';
import { type Clock, systemClock } from '@repo/platform';
import { StaleGatewayHolderError } from './gateway-fence.ts';
import { RedisGatewayLease } from './redis-gateway-lease.ts';
import { RedisSessionInfoStore } from './redis-resume-state-store.ts';

const available = await redisAvailable();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
// Short enough for a quick test, long enough that a busy CI machine's timer lag does not cost a lease.
const fast = { ttlMs: 1_500, renewEveryMs: 300, safetyMarginMs: 300, pollMaxMs: 100, commandTimeoutMs: 500 };

/** A clock that can jump ahead, as a process paused by SIGSTOP sees time when it wakes. */
class JumpClock implements Clock {
  offset = 0;
  now = () => Date.now() + this.offset;
  setTimeout = systemClock.setTimeout;
  setInterval = systemClock.setInterval;
  sleep = systemClock.sleep;
}

describe.runIf(available)('RedisGatewayLease (real Redis)', () => {
  let space: RedisTestSpace;
  const leases: RedisGatewayLease[] = [];
  beforeEach(() => {
    space = new RedisTestSpace();
  });
  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.stop();
    await space.cleanup();
  });

  async function candidate(name: string, clock: Clock = systemClock) {
    const redis = await space.connect(name);
    const lease = new RedisGatewayLease({ redis, keys: space.keys, instanceId: name, clock, log: silentLog, tuning: fast });
    leases.push(lease);
    const events: string[] = [];
    lease.start({ onAcquired: (token) => events.push(`acquired ${token}`), onLost: () => events.push('lost') });
    return { lease, redis, events };
  }

  async function waitFor(check: () => boolean, ms = 3_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await sleep(5);
    }
  }

  it('gives the lease to exactly one of several instances, and keeps it there', async () => {
    const all = await Promise.all(['a', 'b', 'c'].map((n) => candidate(n)));
    await waitFor(() => all.some((c) => c.lease.isHolder()));
    await sleep(2_000); // longer than a TTL: renewals keep it
    expect(all.filter((c) => c.lease.isHolder())).toHaveLength(1);
    expect(all.flatMap((c) => c.events)).toEqual(['acquired 1']);
  });

  it('moves to a standby within the TTL when the holder dies, with a larger fencing token', async () => {
    const a = await candidate('a');
    await waitFor(() => a.lease.isHolder());
    const b = await candidate('b');
    a.redis.disconnect(); // dead: no more renewals
    const diedAt = Date.now();
    await waitFor(() => b.lease.isHolder());
    const takeoverMs = Date.now() - diedAt;
    expect(takeoverMs).toBeLessThanOrEqual(fast.ttlMs + 300);
    expect(b.events).toEqual(['acquired 2']);
    // The dead one stopped trusting its lease before the standby could take it.
    expect(a.lease.isHolder()).toBe(false);
    expect(a.events).toEqual(['acquired 1', 'lost']);
  });

  it('a holder that wakes after a pause longer than the TTL is no longer the holder, before any timer runs', async () => {
    const clock = new JumpClock();
    const a = await candidate('a', clock);
    await waitFor(() => a.lease.isHolder());
    clock.offset = fast.ttlMs; // the pause, as the wall clock sees it
    expect(a.lease.isHolder()).toBe(false);
    expect(a.lease.fencingToken()).toBeNull();
  });

  it('hands the lease over at once on a graceful stop', async () => {
    const a = await candidate('a');
    await waitFor(() => a.lease.isHolder());
    const b = await candidate('b');
    const stoppedAt = Date.now();
    await a.lease.stop();
    await waitFor(() => b.lease.isHolder());
    expect(Date.now() - stoppedAt).toBeLessThan(fast.ttlMs / 2);
  });

  it('only the holder writes the resume state, capped at what is published', async () => {
    const a = await candidate('a');
    await waitFor(() => a.lease.isHolder());
    let handled = Number.POSITIVE_INFINITY;
    const info = (sequence: number): SessionInfo => ({ sessionId: 's1', sequence, resumeURL: 'wss://resume', shardId: 0, shardCount: 1 });
    const sessions = (lease: RedisGatewayLease, redis: typeof a.redis) => new RedisSessionInfoStore({ redis, keys: space.keys, leases: { fencingToken: () => lease.fencingToken() }, handledThrough: () => handled, log: silentLog });
    const mine = sessions(a.lease, a.redis);
    await mine.set(0, info(10));
    handled = 14; // events of dispatch 15 are still being published
    await mine.set(0, info(20));
    const b = await candidate('b');
    const reader = sessions(b.lease, b.redis);
    expect(await reader.get(0)).toEqual(info(14));
    expect(reader.loadedSessionId(0)).toBe('s1');
    // Not the holder: refused, nothing written.
    await expect(reader.set(0, info(99))).rejects.toBeInstanceOf(StaleGatewayHolderError);
    expect((await reader.get(0))?.sequence).toBe(14);
  });
});
