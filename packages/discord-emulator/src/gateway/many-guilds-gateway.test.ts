import { GatewayCloseCodes, GatewayOpcodes } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { EmulatorState } from '../state.ts';
import { startHarness, type Frame, type Harness, type RawGatewayClient } from './gateway-harness.ts';
import { authorizeIdentify } from './handshake.ts';
import { MAX_GUILDS_PER_SHARD, shardOfGuild } from './sharding.ts';

/** Several guilds over two shards: who gets which GUILD_CREATE and dispatch, GUILD_DELETE for a removed bot and an outage, 4010/4011. */

let h: Harness;
afterEach(() => h.close());

const IDENTIFY = { token: '', intents: 1 << 0, properties: { os: 'linux', browser: 'test', device: 'test' } };

async function shardSession(shard: [number, number]): Promise<{ c: RawGatewayClient; ready: Frame; guildCreates: string[] }> {
  const c = await h.connect();
  await c.next();
  c.identify(h.token, { shard });
  const ready = await c.nextDispatch('READY');
  const guildCreates: string[] = [];
  for (const { id, unavailable } of ready.d.guilds as Array<{ id: string; unavailable: boolean }>) {
    expect(unavailable).toBe(true);
    if (h.state.botSeesGuild(id)) guildCreates.push((await c.nextDispatch('GUILD_CREATE')).d.id);
  }
  return { c, ready, guildCreates };
}

/** Every dispatch the client got up to the ACK of a heartbeat sent now: dispatches of earlier mutations are already on the wire. */
async function dispatchesSoFar(c: RawGatewayClient): Promise<Frame[]> {
  c.send(GatewayOpcodes.Heartbeat, null);
  const frames: Frame[] = [];
  for (;;) {
    const f = await c.next();
    if (f.op === GatewayOpcodes.HeartbeatAck) return frames;
    if (f.op === GatewayOpcodes.Dispatch) frames.push(f);
  }
}

function lounge(guildId: string): string {
  return h.state.channels(guildId).find((c) => c.name === 'Lounge')?.id ?? '';
}

function joinLounge(guildId: string, user: string): void {
  h.state.setVoiceState(guildId, h.state.findUser(user)?.id ?? '', { channelId: lounge(guildId) });
}

/** The two shards' sessions, and which shard each guild is on. */
async function twoShards() {
  const shards = [await shardSession([0, 2]), await shardSession([1, 2])];
  const shardOf = (guildId: string) => shards[shardOfGuild(guildId, 2)] as (typeof shards)[number];
  const otherOf = (guildId: string) => shards[1 - shardOfGuild(guildId, 2)] as (typeof shards)[number];
  return { shards, shardOf, otherOf };
}

describe('two shards over three guilds', () => {
  it("gives each shard READY and GUILD_CREATE for exactly its guilds, and each guild's voice events to its shard only", async () => {
    h = await startHarness({}, { guilds: 3 });
    const all = h.state.guildIds();
    const { shards, shardOf, otherOf } = await twoShards();
    for (const [i, { ready, guildCreates }] of shards.entries()) {
      const mine = all.filter((id) => shardOfGuild(id, 2) === i);
      expect(mine.length).toBeGreaterThanOrEqual(1);
      expect(ready.d.shard).toEqual([i, 2]);
      expect(ready.d.guilds.map((g: { id: string }) => g.id)).toEqual(mine);
      expect(guildCreates).toEqual(mine);
    }
    for (const guildId of all) {
      joinLounge(guildId, 'alice');
      const got = await dispatchesSoFar(shardOf(guildId).c);
      expect(got.map((f) => [f.t, f.d.guild_id])).toEqual([['VOICE_STATE_UPDATE', guildId]]);
      expect(await dispatchesSoFar(otherOf(guildId).c)).toEqual([]);
    }
  });

  it('the bot removed: GUILD_DELETE without unavailable to that shard, then silence; added back: GUILD_CREATE', async () => {
    h = await startHarness({}, { guilds: 3 });
    const target = h.state.guildIds()[2] ?? '';
    const { shardOf, otherOf } = await twoShards();
    h.state.setBotMembership(target, false);
    const deleted = await dispatchesSoFar(shardOf(target).c);
    expect(deleted.map((f) => [f.t, f.d])).toEqual([['GUILD_DELETE', { id: target }]]);
    expect(await dispatchesSoFar(otherOf(target).c)).toEqual([]);
    joinLounge(target, 'bob');
    expect(await dispatchesSoFar(shardOf(target).c)).toEqual([]);

    h.state.setBotMembership(target, true);
    const [created] = await dispatchesSoFar(shardOf(target).c);
    expect(created).toMatchObject({ t: 'GUILD_CREATE', d: { id: target, unavailable: false } });
    // bob joined while the bot was out: the GUILD_CREATE carries him.
    expect(created?.d.voice_states.map((v: { user_id: string }) => v.user_id)).toEqual([h.state.findUser('bob')?.id]);
    joinLounge(target, 'carol');
    expect((await dispatchesSoFar(shardOf(target).c)).map((f) => f.t)).toEqual(['VOICE_STATE_UPDATE']);
    // A new session no longer lists a guild the bot left.
    h.state.setBotMembership(target, false);
    const fresh = await shardSession([shardOfGuild(target, 2), 2]);
    expect(fresh.ready.d.guilds.map((g: { id: string }) => g.id)).not.toContain(target);
  });

  it('an outage: GUILD_DELETE unavailable: true, nothing meanwhile, READY lists it unavailable with no GUILD_CREATE, which comes on return', async () => {
    h = await startHarness({}, { guilds: 3 });
    const target = h.state.guildIds()[1] ?? '';
    const { shardOf } = await twoShards();
    h.state.setGuildAvailability(target, false);
    expect((await dispatchesSoFar(shardOf(target).c)).map((f) => [f.t, f.d])).toEqual([['GUILD_DELETE', { id: target, unavailable: true }]]);
    joinLounge(target, 'dave');
    expect(await dispatchesSoFar(shardOf(target).c)).toEqual([]);

    const late = await shardSession([shardOfGuild(target, 2), 2]);
    expect(late.ready.d.guilds).toContainEqual({ id: target, unavailable: true });
    expect(late.guildCreates).not.toContain(target);

    h.state.setGuildAvailability(target, true);
    for (const c of [shardOf(target).c, late.c]) {
      const [back] = await dispatchesSoFar(c);
      expect(back).toMatchObject({ t: 'GUILD_CREATE', d: { id: target, unavailable: false } });
      expect(back?.d.voice_states.map((v: { user_id: string }) => v.user_id)).toEqual([h.state.findUser('dave')?.id]);
    }
  });

  it('answers RequestGuildMembers only for guilds the bot sees', async () => {
    h = await startHarness({}, { guilds: 3 });
    const target = h.state.guildIds()[1] ?? '';
    const { shardOf } = await twoShards();
    const { c } = shardOf(target);
    h.state.setGuildAvailability(target, false);
    await dispatchesSoFar(c);
    c.send(GatewayOpcodes.RequestGuildMembers, { guild_id: target, query: '', limit: 0 });
    expect(await dispatchesSoFar(c)).toEqual([]);
    h.state.setGuildAvailability(target, true);
    await dispatchesSoFar(c);
    c.send(GatewayOpcodes.RequestGuildMembers, { guild_id: target, query: '', limit: 0 });
    expect((await dispatchesSoFar(c)).map((f) => f.t)).toEqual(['GUILD_MEMBERS_CHUNK']);
  });
});

describe('4011 sharding required and 4010 invalid shard', () => {
  it("at Discord's number: 2,500 guilds on one shard is fine, 2,501 is 4011, two shards take them; guilds the bot left do not count", () => {
    const at = (guilds: number) => new EmulatorState({ guilds });
    const identify = (state: EmulatorState, shard: [number, number]) =>
      authorizeIdentify({ ...IDENTIFY, token: state.credentials.botToken, shard }, state);
    expect(MAX_GUILDS_PER_SHARD).toBe(2500);
    const full = at(2500);
    expect(identify(full, [0, 1])).toEqual({ intents: 1, shard: [0, 1] });
    const over = at(2501);
    expect(identify(over, [0, 1])).toMatchObject({ code: GatewayCloseCodes.ShardingRequired, reason: 'Sharding required' });
    expect(identify(over, [0, 2])).toMatchObject({ shard: [0, 2] });
    expect(identify(over, [1, 2])).toMatchObject({ shard: [1, 2] });
    over.setBotMembership(over.guildIds()[2500] ?? '', false);
    expect(identify(over, [0, 1])).toMatchObject({ shard: [0, 1] });
  });

  it('closes 4011 on the socket past a lowered per-shard limit, spending no identify; exactly at it READY comes', async () => {
    h = await startHarness({ maxGuildsPerShard: 2 }, { guilds: 3 });
    const c = await h.connect();
    await c.next();
    c.identify(h.token, { shard: [0, 1] });
    expect(await c.closed).toMatchObject({ code: GatewayCloseCodes.ShardingRequired });
    expect(h.gateway.stats().identifies).toBe(0);
    const { ready: first } = await shardSession([0, 2]);
    const { ready: second } = await shardSession([1, 2]);
    expect(first.d.guilds.length + second.d.guilds.length).toBe(3);
    // One guild fewer for the bot and the unsharded IDENTIFY fits exactly.
    h.state.setBotMembership(h.state.guildIds()[2] ?? '', false);
    expect((await shardSession([0, 1])).ready.d.guilds).toHaveLength(2);
  });

  it('closes 4010 for a shard id outside 0…count-1 or a count below 1', async () => {
    h = await startHarness({}, { guilds: 3 });
    for (const shard of [[2, 2], [-1, 2], [0, 0], [0.5, 2], [0]]) {
      const c = await h.connect();
      await c.next();
      c.identify(h.token, { shard });
      expect((await c.closed).code, JSON.stringify(shard)).toBe(GatewayCloseCodes.InvalidShard);
    }
  });
});
