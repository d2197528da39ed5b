import { FakeClock } from '@repo/platform/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordGatewayClient } from './discord-gateway-client.ts';
import type { GatewayDomainEvent } from './events.ts';
import { GatewayState } from './gateway-state.ts';
import { IdentifyBuckets, shardOfGuild } from './shard-parts.ts';
import { ShardedGateway, readGatewayBot, shardCountOf } from './sharded-gateway.ts';
import { Testbed } from './testing/emulator-testbed.ts';
import { waitFor } from './testing/wait-for.ts';

describe('shardOfGuild', () => {
  it("is Discord's (guild_id >> 22) % num_shards", () => {
    // 4194304 = 1 << 22: the first id of timestamp 1.
    expect(shardOfGuild('4194304', 4)).toBe(1);
    expect(shardOfGuild('4194303', 4)).toBe(0); // one below: still timestamp 0
    expect(shardOfGuild(String(7n << 22n), 4)).toBe(3);
    expect(shardOfGuild(String(8n << 22n), 4)).toBe(0);
    expect(shardOfGuild('1191168914235719682', 1)).toBe(0);
    expect(shardOfGuild('guild-1', 4)).toBe(0); // not a snowflake (fixtures)
  });
});

describe('IdentifyBuckets (identify concurrency)', () => {
  const abort = () => new AbortController();

  it('lets shards of different buckets identify together and holds a bucket 5 s between identifies', async () => {
    const clock = new FakeClock();
    const buckets = new IdentifyBuckets(clock, () => 2);
    const done: number[] = [];
    const wait = (shard: number) => buckets.waitForIdentify(shard, abort().signal).then(() => done.push(shard));
    await Promise.all([wait(0), wait(1)]); // buckets 0 and 1: at once
    expect(done).toEqual([0, 1]);
    const third = wait(2); // bucket 0 again
    const fourth = wait(4); // bucket 0, after shard 2
    await clock.advance(4_999);
    expect(done).toEqual([0, 1]);
    await clock.advance(1);
    await third;
    expect(done).toEqual([0, 1, 2]);
    await clock.advance(4_999);
    expect(done).toEqual([0, 1, 2]);
    await clock.advance(1);
    await fourth;
    expect(done).toEqual([0, 1, 2, 4]);
  });

  it('with max_concurrency 1 every shard shares one bucket; an aborted wait frees its place', async () => {
    const clock = new FakeClock();
    const buckets = new IdentifyBuckets(clock, () => 1);
    await buckets.waitForIdentify(3, abort().signal);
    const stopped = abort();
    const aborted = buckets.waitForIdentify(1, stopped.signal);
    const next = buckets.waitForIdentify(2, abort().signal);
    stopped.abort(new Error('stopped'));
    await expect(aborted).rejects.toThrow('stopped');
    await clock.advance(5_000);
    await next; // did not wait a second window behind the aborted one
    expect(IdentifyBuckets.bucketOf(7, 16)).toBe(7);
    expect(IdentifyBuckets.bucketOf(16, 16)).toBe(0);
    expect(IdentifyBuckets.bucketOf(5, 0)).toBe(0); // a bogus 0 counts as 1
  });
});

describe('shard options', () => {
  it('refuses a shard outside [0, count)', () => {
    const make = (id: number, count: number) => () => new DiscordGatewayClient({ token: 't', guildIds: [], shard: { id, count } });
    expect(make(0, 1)).not.toThrow();
    expect(make(3, 4)).not.toThrow();
    expect(make(4, 4)).toThrow(RangeError);
    expect(make(-1, 4)).toThrow(RangeError);
    expect(make(0, 0)).toThrow(RangeError);
    expect(() => new ShardedGateway({ token: 't', guildIds: [], shardCount: 0 })).toThrow(RangeError);
    expect(() => new ShardedGateway({ token: 't', guildIds: [], shardCount: 1.5 })).toThrow(RangeError);
  });

  it('DISCORD_SHARD_COUNT: auto takes GET /gateway/bot `shards`, a number is kept', () => {
    expect(shardCountOf('auto', { shards: 3 })).toBe(3);
    expect(shardCountOf(4, { shards: 1 })).toBe(4);
  });
});

let bed: Testbed | undefined;
let gateway: ShardedGateway | undefined;
afterEach(async () => {
  await gateway?.stop();
  gateway = undefined;
  await bed?.close();
  bed = undefined;
});

describe('ShardedGateway against the emulator', () => {
  it('reads the recommended shard count, and routes the guild to its shard only', async () => {
    bed = await Testbed.start();
    const info = await readGatewayBot({ token: bed.emulator.botToken, restBaseUrl: bed.emulator.apiUrl });
    expect(info.shards).toBeGreaterThanOrEqual(1);
    expect(info.session_start_limit.max_concurrency).toBeGreaterThanOrEqual(1);

    const lounge = await bed.channelId('Lounge');
    await bed.voice({ userId: 'carol', channelId: lounge });
    gateway = new ShardedGateway({ token: bed.emulator.botToken, guildIds: [], restBaseUrl: bed.emulator.apiUrl, shardCount: 2 });
    const events: GatewayDomainEvent[] = [];
    const states: string[] = [];
    gateway.on('*', (e) => events.push(e));
    gateway.on('gateway.state', (e) => states.push(e.state));
    const owner = shardOfGuild(bed.guildId, 2);
    const other = 1 - owner;

    await gateway.start();
    await waitFor(() => gateway!.cache.isReady(bed!.guildId), 'the GUILD_CREATE');
    expect(gateway.status().state).toBe(GatewayState.Connected);
    expect(states.at(-1)).toBe(GatewayState.Connected);
    expect(gateway.shard(owner).status().readyGuildIds).toEqual([bed.guildId]);
    expect(gateway.shard(other).status().readyGuildIds).toEqual([]);
    expect(gateway.shard(0).status().sessionId).not.toBe(gateway.shard(1).status().sessionId);
    expect(gateway.cache.channelOf(bed.guildId, bed.userId('carol'))).toBe(lounge);
    expect(events.filter((e) => e.type === 'guild.available')).toEqual([expect.objectContaining({ guildId: bed.guildId, shardId: owner, source: 'resync' })]);
    // Each shard's READY lists that shard's guilds (guild.listed): the app drops the guilds it knew there and READY lacks.
    const listed = events.flatMap((e) => (e.type === 'guild.listed' ? [[e.shardId, e.guildIds] as const] : []));
    expect(new Map(listed)).toEqual(new Map([[owner, [bed.guildId]], [other, []]]));

    await bed.voice({ userId: 'alice', channelId: lounge });
    await waitFor(() => events.some((e) => e.type === 'voice.joined'), 'the join');
    expect(events.find((e) => e.type === 'voice.joined')).toMatchObject({ userId: bed.userId('alice'), shardId: owner });

    // The other shard going away leaves the guild's shard, and the aggregate, connected.
    await gateway.stopShard(other);
    expect(gateway.activeShardIds()).toEqual([owner]);
    expect(gateway.status().state).toBe(GatewayState.Connected);
    expect(gateway.cache.isReady(bed.guildId)).toBe(true);
    await gateway.stopShard(owner);
    expect(gateway.status().state).toBe(GatewayState.Disconnected);
    expect(() => gateway!.shard(2)).toThrow(RangeError);
  });
});
