import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs } from '../sign-in.ts';
import { Cluster } from './cluster-stack.ts';
import { redisAvailable } from './redis.ts';
import { RoomWatcher } from './room-watcher.ts';
import { VoiceTraffic } from './voice-traffic.ts';

const available = await redisAvailable();

/**
 * R-SCALE2, the everyday case: two production instances, one emulator, Redis. A room made on one
 * instance is live on both; voice changes reach the watchers of both instances once each, in seq
 * order, whichever instance holds the Gateway; any instance serves any request (stateless sessions).
 */
describe.runIf(available)('two instances behind one Redis', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ instances: 2 });
  }, 90_000);
  afterAll(async () => {
    await cluster?.close();
  });

  it('exactly one instance holds the Gateway; both are ready', async () => {
    await cluster.waitForHolder();
    const health = await Promise.all(cluster.instances.map((i) => i.health()));
    expect(health.map((h) => h?.status)).toEqual(['ok', 'ok']);
    expect(health.filter((h) => h?.gateway.holder)).toHaveLength(1);
    expect(health.every((h) => h?.redis === 'ok')).toBe(true);
    const stats = (await cluster.emulatorState()).gateway;
    expect(stats.connections).toBe(1);
  });

  it('a room made on one instance streams every voice change to watchers on both, in seq order', async () => {
    const [i1, i2] = cluster.instances as [typeof cluster.instances[0], typeof cluster.instances[0]];
    const { cookie } = await signInAs(i1.baseUrl, 'alice');
    const created = await fetch(`${i1.baseUrl}/api/rooms`, { method: 'POST', headers: { cookie, origin: i1.baseUrl, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Cluster room' }) });
    expect(created.status).toBe(201);
    const { room, inviteUrl } = (await created.json()) as { room: { id: string; channelId: string }; inviteUrl: string };
    // The session cookie from instance 1 works on instance 2: nothing sticky.
    expect((await fetch(`${i2.baseUrl}/api/rooms/${room.id}`, { headers: { cookie } })).status).toBe(200);

    const watchers = [await RoomWatcher.open([i1.baseUrl], cookie, room.id, 'on i1'), await RoomWatcher.open([i2.baseUrl], cookie, room.id, 'on i2')];
    try {
      for (const w of watchers) await w.waitFor(() => w.snapshots === 1, 'the snapshot');
      const traffic = new VoiceTraffic(cluster, room.channelId, ['carol', 'dave', 'erin']);
      const producing = traffic.start(20, 2_000);
      // Meanwhile a player joins through the other instance: a room event from an HTTP request,
      // numbered in the same sequence as the voice events.
      const bob = await signInAs(i2.baseUrl, 'bob');
      const redeemed = await fetch(`${i2.baseUrl}/api/invites/redeem`, { method: 'POST', headers: { cookie: bob.cookie, origin: i2.baseUrl, 'content-type': 'application/json' }, body: JSON.stringify({ token: inviteUrl.split('/invite/')[1] }) });
      expect(redeemed.status).toBe(200);
      await producing;
      const truth = await traffic.truth();
      for (const w of watchers) {
        await w.waitFor(() => w.events.length === traffic.sent + 1, 'every change');
        expect(w.events.filter((e) => e.event === 'room.updated')).toHaveLength(1);
        expect(w.shown()).toEqual(truth);
        expect(w.resubscribes).toBe(0);
        expect(w.stale).toBe(0);
        expect(w.events.filter((e) => e.noop)).toEqual([]);
        // Contiguous: the snapshot's seq, then +1 each.
        const seqs = w.events.map((e) => e.seq);
        expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
        for (const [userId, expected] of traffic.expected) expect(w.history.get(userId), `${w.label} ${userId}`).toEqual(expected);
      }
      expect(traffic.errors).toEqual([]);
      expect(watchers[0]!.events.map((e) => [e.seq, e.event, e.userId])).toEqual(watchers[1]!.events.map((e) => [e.seq, e.event, e.userId]));
    } catch (error) {
      // The instances' warnings and errors say more than the assertion.
      for (const i of cluster.instances) console.log(i.name, i.output().split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(0, 20).join('\n'));
      throw error;
    } finally {
      for (const w of watchers) w.close();
    }
  }, 30_000);

  it('a deploy (SIGTERM of the holder) hands the Gateway over at once, by RESUME', async () => {
    const holder = await cluster.waitForHolder();
    const other = cluster.instances.find((i) => i !== holder && i.alive)!;
    const before = (await cluster.emulatorState()).gateway;
    const stoppedAt = Date.now();
    await holder.stop();
    const next = await cluster.waitForHolder(10_000, holder);
    const handoverMs = Date.now() - stoppedAt;
    const after = (await cluster.emulatorState()).gateway;
    console.log('[cluster] graceful handover:', JSON.stringify({ handoverMs, resumes: after.resumes - before.resumes, identifies: after.identifies - before.identifies }));
    expect(next).toBe(other);
    expect(handoverMs).toBeLessThan(5_000);
    expect(after.resumes - before.resumes).toBe(1);
    expect(holder.logLines(/released the Gateway lease/)).toHaveLength(1);

    // A new instance (the redeploy) finds the rooms in Redis and serves them.
    const fresh = await cluster.add();
    const { cookie } = await signInAs(fresh.baseUrl, 'alice');
    const listed = (await (await fetch(`${fresh.baseUrl}/api/rooms`, { headers: { cookie } })).json()) as { rooms: Array<{ name: string; players: number }> };
    expect(listed.rooms).toEqual([expect.objectContaining({ name: 'Cluster room', players: 2 })]);
  }, 60_000);
});
