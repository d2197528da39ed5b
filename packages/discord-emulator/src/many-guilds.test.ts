import { GatewayDispatchEvents, PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { shardOfGuild } from './gateway/sharding.ts';
import { recommendedShardCount } from './rest/routes/gateway-routes.ts';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from './server.ts';
import { snowflakeTimestamp } from './snowflake.ts';
import { EmulatorState, type DispatchRecord } from './state.ts';
import { botApi, controlApi, oauthLogin, type ApiCall } from './test-helpers.ts';

/** `guilds: N`: the seed of the guilds from the second on, what REST answers for them, and the control API that moves the bot. */

const names = (state: EmulatorState, guildId: string) =>
  [...state.guild(guildId).members.keys()].map((id) => state.user(id).username).sort();

describe('the seed with several guilds', () => {
  it('keeps the first guild exactly as a one-guild world has it', () => {
    const one = new EmulatorState();
    const three = new EmulatorState({ guilds: 3 });
    const first = three.guildIds()[0] ?? '';
    expect(first).toBe(one.defaultGuildId);
    expect(three.channels(first)).toEqual(one.channels(first));
    expect(three.roles(first)).toEqual(one.roles(first));
    expect(names(three, first)).toEqual(names(one, first));
    expect(three.credentials).toEqual(one.credentials);
  });

  it('gives each later guild its Lounge, roles, the bot, alice–dave, and dave Manage Server without owning it', () => {
    const state = new EmulatorState({ guilds: 3 });
    const [, second = '', third = ''] = state.guildIds();
    expect(state.guildIds()).toHaveLength(3);
    for (const id of [second, third]) {
      expect(state.channels(id).map((c) => [c.name, c.type])).toEqual([['Game Rooms', 4], ['general', 0], ['Lounge', 2]]);
      expect(names(state, id)).toEqual(['Spell Rooms Bot', 'alice', 'bob', 'carol', 'dave', 'guild_owner']);
      const roles = state.roles(id).sort((a, b) => a.position - b.position);
      expect(roles.map((r) => [r.name, r.position, r.managed])).toEqual([['@everyone', 0, false], ['Admin', 1, false], ['Spell Rooms Bot', 2, true]]);
      expect(BigInt(roles[1]?.permissions ?? '')).toBe(P.ManageGuild);
      const dave = state.findUser('dave')?.id ?? '';
      expect(state.guild(id).ownerId).not.toBe(dave);
      expect(state.memberPermissions(id, dave) & P.ManageGuild).toBe(P.ManageGuild);
      expect(state.memberPermissions(id, state.findUser('alice')?.id ?? '') & P.ManageGuild).toBe(0n);
    }
    expect(state.guild(second).name).toBe('Spell Rooms Test Guild 2');
    // erin … heidi exist but are members of the first guild at most.
    for (const name of ['erin', 'frank', 'grace', 'heidi']) expect(state.findUser(name)).toBeDefined();
    expect(state.guildCountOf(state.findUser('erin')?.id ?? '')).toBe(1);
    expect(state.guildCountOf(state.findUser('heidi')?.id ?? '')).toBe(0);
  });

  it('deals generated users round-robin, and keeps them all in the one guild by default', () => {
    const state = new EmulatorState({ guilds: 3, extraUsers: 5 });
    const [g1 = '', g2 = '', g3 = ''] = state.guildIds();
    const generated = (g: string) => names(state, g).filter((n) => n.startsWith('user'));
    expect([generated(g1), generated(g2), generated(g3)]).toEqual([['user0001', 'user0004'], ['user0002', 'user0005'], ['user0003']]);
    const single = new EmulatorState({ extraUsers: 5 });
    expect(names(single, single.defaultGuildId).filter((n) => n.startsWith('user'))).toHaveLength(5);
  });

  it('mints real snowflakes that (id >> 22) % n spreads over the shards', () => {
    const three = new EmulatorState({ guilds: 3 }).guildIds();
    for (const id of three) expect(id).toMatch(/^\d{19}$/);
    const onShard = (ids: string[], n: number, i: number) => ids.filter((id) => shardOfGuild(id, n) === i).length;
    expect(onShard(three, 2, 0)).toBeGreaterThanOrEqual(1);
    expect(onShard(three, 2, 1)).toBeGreaterThanOrEqual(1);
    // Guilds 2… are one millisecond apart: twelve guilds over four shards leave none empty or crowded.
    const twelve = new EmulatorState({ guilds: 12 }).guildIds();
    const stamps = twelve.slice(1).map(snowflakeTimestamp);
    expect(stamps).toEqual(stamps.map((_, i) => (stamps[0] ?? 0) + i));
    for (let shard = 0; shard < 4; shard++) expect(onShard(twelve, 4, shard)).toBeGreaterThanOrEqual(2);
  });

  it('names later guilds from extraGuildNames, which also raises the count', () => {
    const state = new EmulatorState({ guilds: 2, seed: { extraGuildNames: ['Second', 'Third'] } });
    expect(state.guildIds().map((id) => state.guild(id).name)).toEqual(['Spell Rooms Test Guild', 'Second', 'Third']);
  });

  it('refuses a guild count that is not a whole number ≥ 1 before taking a port', async () => {
    for (const guilds of [0, 1.5, -1]) await expect(startEmulator({ guilds })).rejects.toThrow(/guilds must be a whole number/);
    await expect(startEmulator({ recommendedShards: 0 })).rejects.toThrow(/recommendedShards/);
  });
});

describe('REST with several guilds', () => {
  let emu: EmulatorHandle | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });
  const start = async (options: EmulatorOptions) => {
    emu = await startEmulator({ rateLimits: 'off', ...options });
    return { e: emu, api: botApi(emu), control: controlApi(emu) };
  };

  it("GET /gateway/bot recommends one shard per 1,000 of the bot's guilds, or what EMULATOR_RECOMMENDED_SHARDS says", async () => {
    expect([0, 1, 1000, 1001, 2000, 2001].map(recommendedShardCount)).toEqual([1, 1, 1, 2, 2, 3]);
    const { e, api } = await start({ guilds: 1001 });
    expect((await api('GET', '/gateway/bot')).body).toMatchObject({ shards: 2, session_start_limit: { max_concurrency: 1 } });
    e.state.setBotMembership(e.guildIds[1000] ?? '', false);
    expect((await api('GET', '/gateway/bot')).body.shards).toBe(1);
    await e.close();
    const { api: pinned } = await start({ guilds: 3, recommendedShards: 2 });
    expect((await pinned('GET', '/gateway/bot')).body.shards).toBe(2);
  });

  it('answers for a guild the bot was removed from as Discord does: 404 10004 on the guild, 403 50001 below it', async () => {
    const { e, api } = await start({ guilds: 3 });
    const g2 = e.guildIds[1] ?? '';
    const lounge = e.state.channels(g2).find((c) => c.name === 'Lounge')?.id ?? '';
    const oldBotRole = e.state.roles(g2).find((r) => r.managed)?.id ?? '';
    e.state.setBotMembership(g2, false);
    expect(await api('GET', `/guilds/${g2}`)).toMatchObject({ status: 404, body: { message: 'Unknown Guild', code: 10004 } });
    for (const path of [`/guilds/${g2}/channels`, `/guilds/${g2}/roles`, `/guilds/${g2}/members/${e.users.alice.id}`, `/channels/${lounge}`]) {
      expect(await api('GET', path)).toMatchObject({ status: 403, body: { message: 'Missing Access', code: 50001 } });
    }
    expect((await api('POST', `/guilds/${g2}/channels`, { name: 'room', type: 2 })).status).toBe(403);
    expect(e.state.channels(g2)).toHaveLength(3);
    // Its managed role went with it; the other guilds are untouched.
    expect(e.state.roles(g2).some((r) => r.id === oldBotRole)).toBe(false);
    expect((await api('GET', `/guilds/${e.guildIds[2]}/channels`)).status).toBe(200);
    // A guild that does not exist is still 10004, on the guild and below it.
    expect((await api('GET', '/guilds/123456789012345678/roles')).body).toMatchObject({ code: 10004 });

    e.state.setBotMembership(g2, true);
    expect((await api('GET', `/guilds/${g2}`)).status).toBe(200);
    const roles = e.state.roles(g2);
    const botRole = roles.find((r) => r.managed);
    expect(botRole?.id).not.toBe(oldBotRole);
    expect(botRole?.position).toBe(Math.max(...roles.map((r) => r.position)));
    expect((await api('POST', `/guilds/${g2}/channels`, { name: 'room', type: 2 })).status).toBe(201);
  });

  it('guilds.join stops at 100 servers: the 100th joins, the 101st is 400 30001 and changes nothing', async () => {
    const { e, api } = await start({ guilds: 101 });
    const erin = e.users.erin.id;
    // erin starts in the first guild only; put her in 99.
    for (const id of e.guildIds.slice(1, 99)) e.state.addMember(id, erin);
    expect(e.state.guildCountOf(erin)).toBe(99);
    const { access_token } = await oauthLogin(e, 'erin', 'identify guilds.join');
    const events: DispatchRecord[] = [];
    e.state.onDispatch((rec) => events.push(rec));
    const hundredth = await api('PUT', `/guilds/${e.guildIds[99]}/members/${erin}`, { access_token });
    expect(hundredth.status).toBe(201);
    expect(e.state.guildCountOf(erin)).toBe(100);
    events.length = 0;
    const refused = await api('PUT', `/guilds/${e.guildIds[100]}/members/${erin}`, { access_token });
    expect(refused).toMatchObject({ status: 400, body: { message: 'Maximum number of guilds reached (100)', code: 30001 } });
    expect(e.state.isMember(e.guildIds[100] ?? '', erin)).toBe(false);
    expect(events).toEqual([]);
    // Already a member: 204 as ever, the cap does not apply.
    expect((await api('PUT', `/guilds/${e.guildIds[99]}/members/${erin}`, { access_token })).status).toBe(204);
  });

  it('a guild too full for an Admin role refuses guild-membership with manageGuild whole: 409, nobody added', async () => {
    const { e, control } = await start({ limits: { rolesPerGuild: 2 } });
    const res = await control('POST', 'guild-membership', { guildId: e.guildId, userId: 'heidi', member: true, manageGuild: true });
    expect(res.status).toBe(409);
    expect(res.body.error).toContain('Maximum number of guild roles reached (2)');
    expect(e.state.isMember(e.guildId, e.users.heidi.id)).toBe(false);
    expect(e.state.roles(e.guildId)).toHaveLength(2);
  });

  it('GET /users/@me/guilds lists the user\'s servers with permissions as a string; without the guilds scope 401', async () => {
    const { e, api } = await start({ guilds: 3 });
    const asUser = async (user: string, scopes: string) => {
      const { access_token } = await oauthLogin(e, user, scopes);
      return api('GET', '/users/@me/guilds', undefined, { Authorization: `Bearer ${access_token}` });
    };
    const dave = await asUser('dave', 'identify guilds');
    expect(dave.status).toBe(200);
    expect(dave.body.map((g: { id: string }) => g.id)).toEqual(e.guildIds);
    const [home, second] = dave.body as Array<{ id: string; name: string; owner: boolean; permissions: string; features: string[]; icon: null }>;
    expect(second).toMatchObject({ name: 'Spell Rooms Test Guild 2', owner: false, icon: null, features: [] });
    expect(BigInt(second?.permissions ?? '0') & P.ManageGuild).toBe(P.ManageGuild);
    expect(BigInt(home?.permissions ?? '0') & P.ManageGuild).toBe(0n);
    expect((await asUser('erin', 'identify guilds')).body.map((g: { id: string }) => g.id)).toEqual([e.guildId]);
    expect(await asUser('dave', 'identify')).toMatchObject({ status: 401, body: { message: '401: Unauthorized', code: 0 } });
  });

  it('GET /users/@me/guilds pages by id with limit (1–200), after and before, and adds counts on with_counts', async () => {
    const { e, api } = await start({ guilds: 4 });
    const { access_token } = await oauthLogin(e, 'alice', 'guilds');
    const list = (q: string) => api('GET', `/users/@me/guilds${q}`, undefined, { Authorization: `Bearer ${access_token}` });
    const ids = (r: { body: Array<{ id: string }> }) => r.body.map((g) => g.id);
    const [g1, g2, g3, g4] = e.guildIds;
    expect(ids(await list('?limit=2'))).toEqual([g1, g2]);
    expect(ids(await list(`?after=${g2}`))).toEqual([g3, g4]);
    expect(ids(await list(`?before=${g3}&limit=1`))).toEqual([g2]);
    expect(ids(await list('?limit=200'))).toEqual(e.guildIds);
    for (const bad of ['?limit=0', '?limit=201', '?after=abc']) expect((await list(bad)).body, bad).toMatchObject({ code: 50035 });
    const [counted] = (await list('?with_counts=true&limit=1')).body;
    expect(counted).toMatchObject({ id: g1, approximate_member_count: e.state.guild(g1 ?? '').members.size, approximate_presence_count: 0 });
    expect((await list('?limit=1')).body[0]).not.toHaveProperty('approximate_member_count');
  });
});

describe('control API: guilds', () => {
  let emu: EmulatorHandle;
  let control: ApiCall;
  let events: DispatchRecord[];
  beforeAll(async () => {
    emu = await startEmulator({ rateLimits: 'off', guilds: 3 });
    control = controlApi(emu);
    emu.state.onDispatch((rec) => events.push(rec));
  });
  afterAll(() => emu.close());
  beforeEach(async () => {
    await control('POST', 'reset');
    events = [];
  });
  const g2 = () => emu.guildIds[1] ?? '';

  it('POST /bot-membership removes the bot (GUILD_DELETE without unavailable) and adds it back (GUILD_CREATE)', async () => {
    const removed = await control('POST', 'bot-membership', { guildId: g2(), member: false });
    expect(removed).toMatchObject({ status: 200, body: { changed: true, guild: { id: g2(), botMember: false, available: true } } });
    expect(events.map((e) => [e.t, e.d])).toEqual([[GatewayDispatchEvents.GuildDelete, { id: g2() }]]);
    expect((await control('POST', 'bot-membership', { guildId: g2(), member: false })).body.changed).toBe(false);
    expect(events).toHaveLength(1);
    const state = await control('GET', 'state');
    expect(state.body.guilds.map((g: { botMember: boolean }) => g.botMember)).toEqual([true, false, true]);

    expect((await control('POST', 'bot-membership', { guildId: g2(), member: true })).body.guild.botMember).toBe(true);
    expect(events[1]).toMatchObject({ t: GatewayDispatchEvents.GuildCreate, guildId: g2(), d: { id: g2(), unavailable: false } });
  });

  it('POST /guild-availability: GUILD_DELETE unavailable: true, then GUILD_CREATE with what changed meanwhile', async () => {
    expect((await control('POST', 'guild-availability', { guildId: g2(), available: false })).body).toMatchObject({ changed: true, guild: { available: false } });
    expect(events.map((e) => e.d)).toEqual([{ id: g2(), unavailable: true }]);
    const lounge = emu.state.channels(g2()).find((c) => c.name === 'Lounge')?.id;
    expect((await control('POST', 'voice', { userId: 'bob', channelId: lounge, guildId: g2() })).status).toBe(200);
    expect((await control('POST', 'guild-availability', { guildId: g2(), available: false })).body.changed).toBe(false);
    await control('POST', 'guild-availability', { guildId: g2(), available: true });
    const back = events.at(-1);
    expect(back).toMatchObject({ t: GatewayDispatchEvents.GuildCreate, d: { id: g2(), unavailable: false } });
    expect((back?.d as { voice_states: Array<{ user_id: string }> }).voice_states.map((v) => v.user_id)).toEqual([emu.users.bob.id]);
  });

  it('POST /guild-membership: a user joins and leaves a guild; manageGuild gives or takes the Admin role', async () => {
    const erin = emu.users.erin.id;
    const joined = await control('POST', 'guild-membership', { guildId: g2(), userId: 'erin', member: true });
    expect(joined).toMatchObject({ status: 200, body: { changed: true, member: { user: { id: erin }, roles: [] } } });
    expect(events.map((e) => e.t)).toEqual([GatewayDispatchEvents.GuildMemberAdd]);
    // The first guild has no Admin role: asking for Manage Server there creates one.
    const admin = await control('POST', 'guild-membership', { guildId: emu.guildId, userId: 'erin', member: true, manageGuild: true });
    expect(admin.body.changed).toBe(true);
    expect(emu.state.memberPermissions(emu.guildId, erin) & P.ManageGuild).toBe(P.ManageGuild);
    expect(emu.state.roles(emu.guildId).filter((r) => r.name === 'Admin')).toHaveLength(1);
    await control('POST', 'guild-membership', { guildId: emu.guildId, userId: 'erin', member: true, manageGuild: false });
    expect(emu.state.memberPermissions(emu.guildId, erin) & P.ManageGuild).toBe(0n);

    const left = await control('POST', 'guild-membership', { guildId: g2(), userId: erin, member: false });
    expect(left.body).toEqual({ changed: true, member: null });
    expect(emu.state.isMember(g2(), erin)).toBe(false);
    expect((await control('POST', 'guild-membership', { guildId: g2(), userId: erin, member: false })).body.changed).toBe(false);
  });

  it('refuses unknown guilds and users, the bot, strays keys and bad ids with a 400 that changes nothing', async () => {
    const bad = [
      ['bot-membership', { guildId: '123456789012345678', member: false }, 'unknown guild'],
      ['bot-membership', { guildId: g2(), member: false, extra: 1 }, 'extra'],
      ['bot-membership', { guildId: 'general', member: false }, 'guildId'],
      ['guild-availability', { guildId: g2() }, 'available'],
      ['guild-membership', { guildId: g2(), userId: 'nobody', member: true }, 'unknown user'],
      ['guild-membership', { guildId: g2(), userId: emu.state.botUser().id, member: false }, 'bot-membership'],
      ['guild-membership', { guildId: g2(), userId: 'erin', member: false, manageGuild: true }, 'manageGuild'],
    ] as const;
    for (const [path, body, words] of bad) {
      const res = await control('POST', path, body);
      expect(res.status, path).toBe(400);
      expect(res.body.error).toContain(words);
    }
    expect(events).toEqual([]);
    expect(emu.state.botGuildIds()).toEqual(emu.guildIds);
  });

  it('POST /voice takes a guildId that must exist and match the channel', async () => {
    const lounge1 = emu.state.channels(emu.guildId).find((c) => c.name === 'Lounge')?.id;
    const lounge2 = emu.state.channels(g2()).find((c) => c.name === 'Lounge')?.id;
    expect((await control('POST', 'voice', { userId: 'alice', channelId: lounge1, guildId: g2() })).body.error).toContain('not');
    expect((await control('POST', 'voice', { userId: 'alice', channelId: lounge2, guildId: '123456789012345678' })).status).toBe(400);
    expect(events).toEqual([]);
    expect((await control('POST', 'voice', { userId: 'alice', channelId: lounge2, guildId: g2() })).body.voiceState).toMatchObject({ guild_id: g2() });
    expect((await control('POST', 'voice', { userId: 'alice', channelId: null, guildId: g2() })).status).toBe(200);
    expect(emu.state.voiceState(g2(), emu.users.alice.id)).toBeUndefined();
  });
});
