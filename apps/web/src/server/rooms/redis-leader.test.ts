import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RedisTestSpace, redisAvailable, silentLog } from '../../../test/cluster/redis.ts';
import { systemClock } from '@repo/platform';
import { FakeClock } from '@repo/platform/testing';
import { CleanupJob, type CleanupRooms } from './cleanup-job.ts';
import { RedisRoomStore } from './redis-room-store.ts';
import type { Room } from './room.ts';
import { RedisLeaderGuard } from './redis-leader.ts';

const available = await redisAvailable();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe.runIf(available)('RedisLeaderGuard (real Redis)', () => {
  const space = new RedisTestSpace();
  afterAll(() => space.cleanup());

  async function guards(n: number, holdFraction?: number): Promise<RedisLeaderGuard[]> {
    return Promise.all(Array.from({ length: n }, async (_, i) => new RedisLeaderGuard(await space.connect(`leader-${i}`), space.keys, systemClock, silentLog, holdFraction)));
  }

  it('lets one of several racing instances run; the others are told no', async () => {
    const [a, b, c] = await guards(3);
    let running = 0;
    let maxRunning = 0;
    const job = async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(50);
      running--;
    };
    const results = await Promise.all([a!, b!, c!].map((g) => g.runExclusive('race', 1_000, job)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(maxRunning).toBe(1);
  });

  it('keeps the period claimed after a run, then frees it; a slow run keeps its lock alive', async () => {
    const [a, b] = await guards(2);
    expect(await a!.runExclusive('period', 400, async () => undefined)).toBe(true);
    expect(await b!.runExclusive('period', 400, async () => undefined)).toBe(false); // same period
    await sleep(400);
    expect(await b!.runExclusive('period', 400, async () => undefined)).toBe(true); // next period, any instance

    // A run three times longer than the TTL: nobody joins it, even asking at twice the TTL, long
    // after the first lock would have lapsed. The TTL is real Redis time: at 150 ms an event loop
    // stalled ~100 ms under load (CI's two cores) missed an extension and let b in.
    let joined = false;
    const slow = a!.runExclusive('slow', 600, () => sleep(1_800));
    await sleep(1_200);
    joined = await b!.runExclusive('slow', 600, async () => undefined);
    await slow;
    expect(joined).toBe(false);
  });

  it('frees the lock of an instance that died mid-run once the TTL passes', async () => {
    const [a, b] = await guards(2);
    const dead = await space.connect('dead');
    await dead.set(space.keys.lock('orphan'), 'someone-else', 'PX', 200);
    expect(await a!.runExclusive('orphan', 200, async () => undefined)).toBe(false);
    await sleep(250);
    expect(await b!.runExclusive('orphan', 200, async () => undefined)).toBe(true);
  });
});

/**
 * R-ROOM7 with three instances: their cleanup timers fire together; one pass runs, the idle room
 * gets one warning, and when the warning is over it is closed once.
 */
describe.runIf(available)('cleanup job across three instances (real Redis)', () => {
  const space = new RedisTestSpace();
  let store: RedisRoomStore;
  const clock = new FakeClock();
  beforeAll(async () => {
    store = new RedisRoomStore(await space.connect('store'), space.keys, () => clock.now());
  });
  afterAll(() => space.cleanup());

  it('runs once, warns once, closes once', async () => {
    const idle: Room = {
      id: 'idleroom01',
      name: 'Idle',
      guildId: 'g',
      channelId: 'c1',
      roleId: 'r1',
      creatorId: 'u1',
      players: ['u1'],
      spectators: [],
      profiles: {},
      createdAt: clock.now() - 2 * 3_600_000,
      lastActiveAt: clock.now() - 2 * 3_600_000,
      closingAt: null,
      locked: false,
      linkGeneration: 0,
      barred: [],
    };
    await store.insert(idle);
    const published: string[] = [];
    const closed: string[] = [];
    // Three instances: each its own connection, leader guard and job, one shared store.
    const jobs = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const redis = await space.connect(`instance-${i}`);
        const roomStore = new RedisRoomStore(redis, space.keys, () => clock.now());
        // The rooms part as the job sees it, on the shared store; what it publishes and closes, recorded.
        const rooms: CleanupRooms = {
          list: () => roomStore.list(),
          get: (roomId) => roomStore.get(roomId),
          markActive: async (roomId, at = clock.now()) => void (await roomStore.update(roomId, { lastActiveAt: at })),
          warnClosing: async (roomId, { closingAt }) => {
            await roomStore.update(roomId, { closingAt });
            published.push(`${roomId} room.closing`);
          },
          cancelClosing: async (roomId) => {
            const kept = await roomStore.update(roomId, { closingAt: null, lastActiveAt: clock.now() });
            if (kept) published.push(`${roomId} room.closing.cancelled`);
            return kept !== null;
          },
          closeFor: async (roomId) => {
            closed.push(roomId);
            await store.delete(roomId, clock.now());
          },
        };
        return new CleanupJob({ rooms, isActive: () => false, leader: new RedisLeaderGuard(redis, space.keys, clock, silentLog), clock, log: silentLog });
      }),
    );
    await Promise.all(jobs.map((job) => job.runOnce()));
    expect(jobs.map((j) => j.runs).reduce((a, b) => a + b)).toBe(1);
    expect(published).toEqual(['idleroom01 room.closing']);
    // Timers of the other instances firing later in the same period find it taken.
    await Promise.all(jobs.map((job) => job.runOnce()));
    expect(jobs.map((j) => j.runs).reduce((a, b) => a + b)).toBe(1);

    await clock.advance(30_000);
    // The warning's timer fired inside advance(); what it started (a read, then the close) is real
    // Redis work, which advance's few event-loop turns do not wait for under load: wait for the
    // room to be gone, then check it was closed exactly once.
    await vi.waitFor(async () => expect(await store.get('idleroom01')).toBeNull(), { timeout: 5_000 });
    expect(closed).toEqual(['idleroom01']);
    for (const job of jobs) job.stop();
  });
});
