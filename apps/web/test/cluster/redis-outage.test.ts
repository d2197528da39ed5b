import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { signInAs } from '../sign-in.ts';
import { clusterPerTest } from './cluster-per-test.ts';
import { sleep } from './cluster-stack.ts';
import { TEST_REDIS_URL, redisAvailable } from './redis.ts';
import { RoomWatcher } from './room-watcher.ts';
import { isSubsequence, VoiceTraffic } from './voice-traffic.ts';

const available = await redisAvailable();

/** Kills every Redis connection of these processes (their names carry the pid), as a Redis restart would. */
async function killConnections(pids: number[]): Promise<number> {
  const admin = new Redis(TEST_REDIS_URL);
  try {
    const list = (await admin.client('LIST')) as string;
    const ids = list
      .split('\n')
      .filter((line) => pids.some((pid) => new RegExp(`name=sr-[^ ]*-${pid}-`).test(line)))
      .map((line) => /id=(\d+)/.exec(line)![1]!);
    for (const id of ids) await admin.client('KILL', 'ID', id);
    return ids.length;
  } finally {
    admin.disconnect();
  }
}

/**
 * R-SCALE2: Redis drops every connection mid-stream (CLIENT KILL, what a Redis restart with
 * persistence looks like to the instances). They reconnect; the bus fills each subscriber's gap
 * from its log; browsers converge on the truth without a gap or a repeat.
 */
describe.runIf(available)('Redis connections killed mid-stream', () => {
  const { watchers, start } = clusterPerTest();

  it('instances reconnect, the Gateway stays with its holder, and every tab converges', async () => {
    const cluster = await start({ instances: 2 });
    const holder = await cluster.waitForHolder();
    const [i1, i2] = cluster.instances as [typeof holder, typeof holder];
    const { cookie } = await signInAs(i1.baseUrl, 'alice');
    const res = await fetch(`${i1.baseUrl}/api/rooms`, { method: 'POST', headers: { cookie, origin: i1.baseUrl, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Outage room' }) });
    const { room } = (await res.json()) as { room: { id: string; channelId: string } };
    watchers.push(await RoomWatcher.open([i1.baseUrl], cookie, room.id, 'tab on i1'));
    watchers.push(await RoomWatcher.open([i2.baseUrl], cookie, room.id, 'tab on i2'));
    for (const w of watchers) await w.waitFor(() => w.snapshots === 1, 'the first snapshot');

    const traffic = new VoiceTraffic(cluster, room.channelId, ['carol', 'dave', 'erin']);
    const producing = traffic.start(50, 6_000);
    await sleep(2_000);
    const killed = [await killConnections([i1.pid, i2.pid])];
    await sleep(1_500);
    killed.push(await killConnections([i1.pid, i2.pid]));
    await producing;

    const truth = await traffic.truth();
    for (const w of watchers) {
      await w.waitFor(() => JSON.stringify(w.shown()) === JSON.stringify(truth), 'the truth', 15_000);
      await w.settle();
    }
    const report = watchers.map((w) => {
      let missing = 0;
      let outOfOrder = 0;
      for (const [userId, expected] of traffic.expected) {
        const seen = w.history.get(userId) ?? [];
        if (!isSubsequence(seen, expected)) outOfOrder++;
        missing += expected.length - seen.length;
      }
      return { label: w.label, events: w.events.length, missing, outOfOrder, repeated: w.events.filter((e) => e.noop && !e.overlap).length, resubscribes: w.resubscribes };
    });
    console.log('[redis outage]', JSON.stringify({ killedConnections: killed, changes: traffic.sent, watchers: report }));

    expect(killed[0]).toBe(4); // two per instance: commands and subscriber
    expect(traffic.errors).toEqual([]);
    for (const r of report) {
      expect(r.outOfOrder, r.label).toBe(0);
      expect(r.repeated, r.label).toBe(0);
      expect(r.missing, r.label).toBe(0);
      expect(r.resubscribes, r.label).toBe(0);
    }
    // Nobody lost the lease over a blip shorter than its TTL.
    expect(await cluster.holder()).toBe(holder);
    const health = await Promise.all(cluster.instances.map((i) => i.health()));
    expect(health.map((h) => h?.redis)).toEqual(['ok', 'ok']);
    for (const i of [i1, i2]) expect(i.logLines(/Redis connection restored/).length, i.name).toBeGreaterThanOrEqual(2);
    if (process.env.FAILOVER_DEBUG) for (const i of [i1, i2]) console.log(i.name, i.logLines(/Redis|event bus|lease/).map((l) => l.msg));
  }, 90_000);
});
