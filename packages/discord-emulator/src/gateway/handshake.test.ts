import { GatewayCloseCodes, GatewayIntentBits, GatewayOpcodes } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, TEST_HEARTBEAT_MS, type Harness } from './gateway-harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('connecting and identifying', () => {
  it('says HELLO with the heartbeat interval, in Discord frame shape', async () => {
    const c = await h.connect();
    expect(await c.next()).toEqual({ op: GatewayOpcodes.Hello, d: { heartbeat_interval: TEST_HEARTBEAT_MS }, s: null, t: null });
  });

  it('answers IDENTIFY with READY (s=1) then a full GUILD_CREATE (s=2)', async () => {
    const c = await h.connect();
    await c.next();
    c.identify(h.token);
    const ready = await c.next();
    expect(ready).toMatchObject({ op: 0, t: 'READY', s: 1 });
    expect(ready.d).toMatchObject({
      v: 10,
      user: { id: h.state.botUser().id, bot: true },
      guilds: [{ id: h.guildId, unavailable: true }],
      resume_gateway_url: h.url,
      shard: [0, 1],
      application: { id: h.state.application().id, flags: h.state.application().flags },
      private_channels: [],
    });
    expect(ready.d.user.primary_guild).toBeNull();
    expect(ready.d.session_id).toMatch(/^[0-9a-f]{32}$/);

    const guild = await c.next();
    expect(guild).toMatchObject({ op: 0, t: 'GUILD_CREATE', s: 2 });
    expect(guild.d.id).toBe(h.guildId);
    expect(guild.d.channels.map((ch: { name: string }) => ch.name)).toEqual(
      expect.arrayContaining(['Game Rooms', 'general', 'Lounge']),
    );
    expect(guild.d.members.length).toBe(h.state.guildCreatePayload(h.guildId).members.length);
    expect(guild.d.voice_states).toEqual([]);
    expect(guild.d).toMatchObject({ home_header: null, nsfw: false });
    expect(guild.d.members.every((m: { user: { primary_guild?: unknown } }) => m.user.primary_guild === null)).toBe(true);
    expect(h.gateway.stats()).toMatchObject({ identifies: 1, connections: 1 });
  });

  it('accepts an IDENTIFY whose presence has activities: null (and still refuses a non-array)', async () => {
    const c = await h.connect();
    const ready = await c.handshake(h.token, { presence: { since: null, activities: null, status: 'online', afk: false } });
    expect(ready.t).toBe('READY');
    const bad = await h.connect();
    await bad.next();
    bad.identify(h.token, { presence: { activities: 'playing' } });
    expect((await bad.closed).code).toBe(GatewayCloseCodes.DecodeError);
  });

  it('accepts a token sent with the "Bot " prefix', async () => {
    const c = await h.connect();
    const ready = await c.handshake(`Bot ${h.token}`);
    expect(ready.t).toBe('READY');
  });

  it('acknowledges heartbeats, before and after identifying', async () => {
    const c = await h.connect();
    await c.next();
    c.send(GatewayOpcodes.Heartbeat, null);
    expect(await c.next()).toEqual({ op: GatewayOpcodes.HeartbeatAck, d: null, s: null, t: null });
    c.identify(h.token);
    await c.nextDispatch('GUILD_CREATE');
    c.send(GatewayOpcodes.Heartbeat, 2);
    expect((await c.next()).op).toBe(GatewayOpcodes.HeartbeatAck);
  });

  it('answers a RequestGuildMembers with a GUILD_MEMBERS_CHUNK carrying the nonce', async () => {
    const c = await h.connect();
    await c.handshake(h.token);
    const alice = h.state.findUser('alice');
    c.send(GatewayOpcodes.RequestGuildMembers, { guild_id: h.guildId, user_ids: [alice?.id, '1'], nonce: 'n1' });
    const chunk = await c.nextDispatch('GUILD_MEMBERS_CHUNK');
    expect(chunk.d).toMatchObject({ guild_id: h.guildId, chunk_index: 0, chunk_count: 1, nonce: 'n1', not_found: ['1'] });
    expect(chunk.d.members.map((m: { user: { id: string } }) => m.user.id)).toEqual([alice?.id]);
  });

  it('only sends each shard the guilds it owns', async () => {
    await h.close();
    h = await startHarness({}, { seed: { extraGuildNames: ['Second', 'Third', 'Fourth'] } });
    const seen: string[][] = [];
    for (const shard of [0, 1]) {
      const c = await h.connect();
      await c.next();
      c.identify(h.token, { shard: [shard, 2] });
      const ready = await c.nextDispatch('READY');
      seen.push(ready.d.guilds.map((g: { id: string }) => g.id));
    }
    const [a = [], b = []] = seen;
    expect([...a, ...b].sort()).toEqual(h.state.guildIds().sort());
    expect(a.filter((id) => b.includes(id))).toEqual([]);
  });
});

describe('close codes', () => {
  const closeOf = async (query: string, act?: (c: Awaited<ReturnType<Harness['connect']>>) => void) => {
    const c = await h.connect(query);
    act?.(c);
    return c.closed;
  };

  it('4004 for a bad token, on IDENTIFY and on RESUME', async () => {
    expect((await closeOf('?v=10&encoding=json', (c) => c.identify('nope'))).code).toBe(GatewayCloseCodes.AuthenticationFailed);
    expect((await closeOf('?v=10&encoding=json', (c) => c.resume('nope', 'x', 1))).code).toBe(
      GatewayCloseCodes.AuthenticationFailed,
    );
  });

  it('4013 for unknown intent bits or missing intents, 4014 for a privileged intent the app lacks', async () => {
    expect((await closeOf('?v=10', (c) => c.identify(h.token, { intents: 1 << 30 }))).code).toBe(4013);
    expect((await closeOf('?v=10', (c) => c.identify(h.token, { intents: undefined }))).code).toBe(4013);
    // The seeded app has the members and presence switches on, but not message content.
    expect((await closeOf('?v=10', (c) => c.identify(h.token, { intents: GatewayIntentBits.MessageContent }))).code).toBe(4014);
  });

  it('4012 for another API version, 4002 with a clear reason for etf or an unknown compression', async () => {
    expect((await closeOf('?v=9&encoding=json')).code).toBe(4012);
    expect((await closeOf('?encoding=json')).code).toBe(4012);
    const etf = await closeOf('?v=10&encoding=etf');
    expect(etf).toMatchObject({ code: 4002, reason: expect.stringContaining('etf') });
    expect((await closeOf('?v=10&encoding=json&compress=zstd-stream')).reason).toContain('zstd-stream');
  });

  it('4010 for an impossible shard', async () => {
    expect((await closeOf('?v=10', (c) => c.identify(h.token, { shard: [1, 1] }))).code).toBe(4010);
    expect((await closeOf('?v=10', (c) => c.identify(h.token, { shard: [0, 0] }))).code).toBe(4010);
  });

  it('4002 for non-JSON, a malformed IDENTIFY, or a frame over 4096 bytes', async () => {
    expect((await closeOf('?v=10', (c) => c.sendRaw('not json'))).code).toBe(4002);
    expect((await closeOf('?v=10', (c) => c.send(GatewayOpcodes.Identify, { token: h.token }))).code).toBe(4002);
    expect((await closeOf('?v=10', (c) => c.send(GatewayOpcodes.Heartbeat, 'x'.repeat(5000)))).code).toBe(4002);
  });

  it('4001 for an unknown opcode, 4003 for a command before IDENTIFY, 4005 for a second IDENTIFY', async () => {
    expect((await closeOf('?v=10', (c) => c.send(42, null))).code).toBe(4001);
    expect((await closeOf('?v=10', (c) => c.send(GatewayOpcodes.RequestGuildMembers, { guild_id: h.guildId, query: '' }))).code).toBe(
      4003,
    );
    const c = await h.connect();
    await c.handshake(h.token);
    c.identify(h.token);
    expect((await c.closed).code).toBe(4005);
  });

  it('4003 when neither IDENTIFY nor RESUME arrives in time', async () => {
    const c = await h.connect();
    await c.next();
    // Keep heartbeating so only the identify deadline can fire.
    c.send(GatewayOpcodes.Heartbeat, null);
    await c.next();
    await h.clock.advance(30_001);
    c.send(GatewayOpcodes.Heartbeat, null);
    expect((await c.closed).code).toBe(4003);
  });

  it('4008 past 120 frames in 60 seconds', async () => {
    const c = await h.connect();
    for (let i = 0; i < 121; i++) c.send(GatewayOpcodes.Heartbeat, null);
    expect((await c.closed).code).toBe(4008);
  });

  it('asks for a late heartbeat (op 1), then closes 4009 and ends the session', async () => {
    const c = await h.connect();
    const ready = await c.handshake(h.token);
    await h.clock.advance(TEST_HEARTBEAT_MS * 1.3);
    expect(await c.nextMatching((f) => f.op === GatewayOpcodes.Heartbeat)).toMatchObject({ d: null });
    await h.clock.advance(TEST_HEARTBEAT_MS * 0.3);
    expect((await c.closed).code).toBe(GatewayCloseCodes.SessionTimedOut);

    const again = await h.connect();
    await again.next();
    again.resume(h.token, ready.d.session_id, 2);
    expect(await again.next()).toMatchObject({ op: GatewayOpcodes.InvalidSession, d: false });
  });
});
