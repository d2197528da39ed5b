import { afterEach, describe, expect, it } from 'vitest';
import { shardOfGuild } from '@repo/discord-gateway';
import { signInAs } from '../sign-in.ts';
import { Cluster, type ClusterInstance, sleep } from './cluster-stack.ts';
import { redisAvailable } from './redis.ts';
import { RoomWatcher } from './room-watcher.ts';
import { isSubsequence, VoiceTraffic } from './voice-traffic.ts';

const available = await redisAvailable();
const SHARDS = 4;

interface ShardRow {
  id: number;
  state: string | null;
  holder: string | null;
}

async function shardsOf(instance: ClusterInstance): Promise<ShardRow[] | null> {
  try {
    const res = await fetch(`${instance.baseUrl}/api/health`, { signal: AbortSignal.timeout(1_000) });
    return ((await res.json()) as { shards?: ShardRow[] }).shards ?? null;
  } catch {
    return null;
  }
}

/** Waits until every shard is CONNECTED under a live instance and `check` holds for the split. */
async function waitForSplit(cluster: Cluster, check: (perInstance: Map<string, number>) => boolean, timeoutMs: number): Promise<Map<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let last: ShardRow[] | null = null;
  for (;;) {
    const asker = cluster.instances.find((i) => i.alive)!;
    last = await shardsOf(asker);
    const live = new Map<string, string>();
    for (const i of cluster.instances) if (i.alive) live.set((await i.health())?.instanceId ?? '', i.name);
    if (last && last.length === SHARDS && last.every((s) => s.state === 'CONNECTED' && s.holder !== null && live.has(s.holder))) {
      const split = new Map<string, number>();
      for (const s of last) split.set(live.get(s.holder!)!, (split.get(live.get(s.holder!)!) ?? 0) + 1);
      if (check(split)) return split;
    }
    if (Date.now() > deadline) throw new Error(`shards not split as expected after ${timeoutMs} ms: ${JSON.stringify(last)}\n${cluster.outputs()}`);
    await sleep(100);
  }
}

async function loungeOf(cluster: Cluster, guildId: string): Promise<string> {
  const res = await fetch(`${cluster.emulator.apiUrl}/v10/guilds/${guildId}/channels`, { headers: { authorization: `Bot ${cluster.emulator.botToken}` } });
  const channels = (await res.json()) as Array<{ id: string; name: string }>;
  const lounge = channels.find((c) => c.name === 'Lounge');
  if (!lounge) throw new Error(`no Lounge in guild ${guildId}`);
  return lounge.id;
}

/** What the watcher missed or repeated of `traffic`; `from` skips what each user's history held before it began. */
function verdict(watcher: RoomWatcher, traffic: VoiceTraffic, from: { seen: ReadonlyMap<string, number>; expected: ReadonlyMap<string, number> } = { seen: new Map(), expected: new Map() }) {
  let missing = 0;
  let outOfOrder = 0;
  for (const [userId, all] of traffic.expected) {
    const expected = all.slice(from.expected.get(userId) ?? 0);
    const seen = (watcher.history.get(userId) ?? []).slice(from.seen.get(userId) ?? 0);
    if (!isSubsequence(seen, expected)) outOfOrder++;
    missing += Math.max(0, expected.length - seen.length);
  }
  return { label: watcher.label, events: watcher.events.length, missing, outOfOrder, repeated: watcher.events.filter((e) => e.noop && !e.overlap).length, snapshots: watcher.snapshots };
}

/** The whole voice state of a guild as every instance's Redis copy has it, against the emulator. */
async function voiceCopyMatches(cluster: Cluster, traffic: VoiceTraffic, guildId: string, channelId: string): Promise<boolean> {
  const truth = await traffic.truth();
  const { Redis } = await import('ioredis');
  const { TEST_REDIS_URL } = await import('./redis.ts');
  const admin = new Redis(TEST_REDIS_URL);
  try {
    const all = await admin.hgetall(cluster.keys.voice);
    const copy = Object.fromEntries(
      Object.values(all)
        .map((v) => JSON.parse(v) as { guildId: string; channelId: string; userId: string; selfMute: boolean; selfDeaf: boolean })
        .filter((m) => m.guildId === guildId && m.channelId === channelId)
        .map((m) => [m.userId, `${m.selfMute ? 'M' : 'm'}${m.selfDeaf ? 'D' : 'd'}`] as const)
        .sort(),
    );
    return JSON.stringify(copy) === JSON.stringify(truth);
  } finally {
    admin.disconnect();
  }
}

/**
 * Issue 17, "With Redis": the sharded Gateway spread across instances. An emulator with 3 guilds
 * recommending 4 shards; instances split the shards, take a dead one's shards over by RESUME, and
 * give a joining one its share, while voice changes stream in every guild.
 */
describe.runIf(available)('Gateway shards across instances', () => {
  let cluster: Cluster | undefined;
  const watchers: RoomWatcher[] = [];
  afterEach(async () => {
    for (const w of watchers.splice(0)) w.close();
    await cluster?.close();
    cluster = undefined;
  });

  it('two instances split 4 shards 2/2; kill -9 of one loses nothing; a third joining takes its share without a gap', async () => {
    cluster = await Cluster.start({ instances: 2, emulator: { guilds: 3, recommendedShards: SHARDS } });
    const startedAt = Date.now();
    await waitForSplit(cluster, (split) => [...split.values()].every((n) => n === 2) && split.size === 2, 60_000);
    console.log(`[shards] 4 shards split 2/2 over 2 instances ${Date.now() - startedAt} ms after both answered`);

    // The room in the home guild; its shard's holder is the one to kill.
    const home = cluster.emulator.guildId;
    const homeShard = shardOfGuild(home, SHARDS);
    const [a, b] = cluster.instances as [ClusterInstance, ClusterInstance];
    const { cookie } = await signInAs(b.baseUrl, 'alice');
    const created = await fetch(`${b.baseUrl}/api/rooms`, { method: 'POST', headers: { cookie, origin: b.baseUrl, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Shard room' }) });
    expect(created.status).toBe(201);
    const { room } = (await created.json()) as { room: { id: string; channelId: string } };
    const rows = (await shardsOf(a))!;
    const victimId = rows.find((s) => s.id === homeShard)!.holder;
    const victim = (await a.health())?.instanceId === victimId ? a : b;
    const survivor = victim === a ? b : a;
    watchers.push(await RoomWatcher.open([survivor.baseUrl], cookie, room.id, 'tab on the survivor'));
    for (const w of watchers) await w.waitFor(() => w.snapshots === 1, 'the first snapshot');

    // Voice changes in every guild: the room's channel in the home guild, the Lounge elsewhere.
    const others = cluster.emulator.guildIds.slice(1);
    const roomTraffic = new VoiceTraffic(cluster, room.channelId, ['carol', 'dave', 'erin']);
    const otherTraffic = await Promise.all(others.map(async (g) => ({ guildId: g, channelId: await loungeOf(cluster!, g), traffic: new VoiceTraffic(cluster!, await loungeOf(cluster!, g), ['bob', 'carol', 'dave'], g) })));
    const before = (await cluster.emulatorState()).gateway;
    const producing = [roomTraffic.start(60, 12_000), ...otherTraffic.map((t) => t.traffic.start(120, 12_000))];
    await sleep(2_000);
    const killedAt = Date.now();
    victim.signal('SIGKILL');
    await waitForSplit(cluster, (split) => split.get(survivor.name) === SHARDS, 30_000);
    const takeoverMs = Date.now() - killedAt;
    await Promise.all(producing);

    const truth = await roomTraffic.truth();
    for (const w of watchers) {
      await w.waitFor(() => JSON.stringify(w.shown()) === JSON.stringify(truth), 'the truth', 15_000);
      await w.settle();
    }
    for (const t of otherTraffic) {
      const deadline = Date.now() + 10_000;
      while (!(await voiceCopyMatches(cluster, t.traffic, t.guildId, t.channelId)) && Date.now() < deadline) await sleep(100);
      expect(await voiceCopyMatches(cluster, t.traffic, t.guildId, t.channelId), `voice copy of guild ${t.guildId}`).toBe(true);
    }
    const after = (await cluster.emulatorState()).gateway;
    const report = { takeoverMs, changes: roomTraffic.sent + otherTraffic.reduce((n, t) => n + t.traffic.sent, 0), resumes: after.resumes - before.resumes, identifies: after.identifies - before.identifies, watchers: watchers.map((w) => verdict(w, roomTraffic)) };
    console.log('[shards] kill -9 of an instance holding 2 of 4 shards:', JSON.stringify(report));
    expect(roomTraffic.errors).toEqual([]);
    for (const v of report.watchers) {
      expect(v.outOfOrder, v.label).toBe(0);
      expect(v.missing, v.label).toBe(0);
      expect(v.repeated, v.label).toBe(0);
    }
    // The dead instance's 2 shards were RESUMEd from the stored sessions, not identified afresh.
    expect(report.resumes).toBeGreaterThanOrEqual(2);
    expect(takeoverMs).toBeLessThan(20_000);

    // A third instance joins while changes keep coming: it takes its share, handed over by RESUME.
    const [watcher] = watchers as [RoomWatcher];
    // The same traffic goes on (each user's cycle continues: a fresh one would start with a join
    // of someone already there, which changes nothing and has no event).
    const from = {
      seen: new Map([...watcher.history].map(([userId, seen]) => [userId, seen.length])),
      expected: new Map([...roomTraffic.expected].map(([userId, expected]) => [userId, expected.length])),
    };
    const joinTraffic = roomTraffic;
    const joinProducing = joinTraffic.start(60, 8_000);
    const third = await cluster.add();
    const joinedAt = Date.now();
    const split = await waitForSplit(cluster, (s) => (s.get(third.name) ?? 0) >= 1 && (s.get(survivor.name) ?? 0) <= 2, 30_000);
    console.log(`[shards] third instance holds ${split.get(third.name)} shard(s) ${Date.now() - joinedAt} ms after it answered; split ${JSON.stringify([...split])}`);
    await joinProducing;
    const joinTruth = await joinTraffic.truth();
    for (const w of watchers) await w.waitFor(() => JSON.stringify(w.shown()) === JSON.stringify(joinTruth), 'the truth after the join', 15_000);
    const joined = verdict(watcher, joinTraffic, from);
    console.log('[shards] while the third instance joined:', JSON.stringify(joined));
    expect(joined.outOfOrder).toBe(0);
    expect(joined.missing).toBe(0);
  }, 180_000);
});
