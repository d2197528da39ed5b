import { ChannelType, GatewayDispatchEvents, OverwriteType, PermissionFlagsBits as P } from 'discord-api-types/v10';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../server.ts';
import type { DispatchRecord } from '../state.ts';
import { botApi, controlApi, oauthLogin, type ApiCall } from '../test-helpers.ts';

/** Conformance of every REST route: shapes, Discord error bodies, 204s, dispatches. */

let emu: EmulatorHandle;
let api: ApiCall;
let events: DispatchRecord[];

beforeAll(async () => {
  emu = await startEmulator({ rateLimits: 'off' });
  api = botApi(emu);
  emu.state.onDispatch((rec) => events.push(rec));
});
afterAll(() => emu.close());
beforeEach(async () => {
  await controlApi(emu)('POST', 'reset');
  events = [];
});

const channelByName = (name: string) => {
  const ch = emu.state.channels(emu.guildId).find((c) => c.name === name);
  if (!ch) throw new Error(`no channel ${name}`);
  return ch;
};
const botRoleId = () => {
  const id = emu.state.member(emu.guildId, emu.state.botUser().id).roles[0];
  if (!id) throw new Error('bot has no role');
  return id;
};
const alice = () => emu.users.alice;
const expectDiscordError = (res: { status: number; body: any }, status: number, code: number, message?: string) => {
  expect(res.status).toBe(status);
  expect(res.body.code).toBe(code);
  if (message) expect(res.body.message).toBe(message);
};

describe('authentication', () => {
  it('401s without a token, with a wrong token, and with a bearer token on a bot route', async () => {
    for (const auth of ['', 'Bot nope', 'Bearer nope']) {
      const res = await api('GET', `/guilds/${emu.guildId}`, undefined, { Authorization: auth });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: '401: Unauthorized', code: 0 });
    }
    const { access_token } = await oauthLogin(emu, 'alice', 'identify guilds');
    const bearerOnBotRoute = await api('GET', `/guilds/${emu.guildId}/channels`, undefined, { Authorization: `Bearer ${access_token}` });
    expect(bearerOnBotRoute.status).toBe(401);
  });

  it('serves /api without a version and answers unknown routes like Discord', async () => {
    const res = await fetch(`${emu.apiUrl}/users/@me`, { headers: { Authorization: `Bot ${emu.botToken}` } });
    expect(res.status).toBe(200);
    expect(await api('GET', '/nope')).toMatchObject({ status: 404, body: { message: '404: Not Found', code: 0 } });
    expect((await api('PUT', `/guilds/${emu.guildId}`)).status).toBe(405);
  });
});

describe('gateway and users', () => {
  it('GET /gateway and /gateway/bot give the emulator gateway URL', async () => {
    const open = await fetch(`${emu.apiUrl}/v10/gateway`);
    expect(await open.json()).toEqual({ url: emu.gatewayUrl });
    const bot = await api('GET', '/gateway/bot');
    expect(bot.body).toMatchObject({ url: emu.gatewayUrl, shards: 1, session_start_limit: { total: 1000, max_concurrency: 1 } });
    expect(emu.gatewayUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/gateway$/);
  });

  it('GET /users/@me is the bot for a bot token and the user for a bearer token', async () => {
    const bot = await api('GET', '/users/@me');
    expect(bot.body).toMatchObject({ id: emu.clientId, bot: true, username: 'Spell Rooms Bot' });
    const { access_token } = await oauthLogin(emu, 'bob', 'identify email');
    const me = await api('GET', '/users/@me', undefined, { Authorization: `Bearer ${access_token}` });
    expect(me.body).toMatchObject({ id: emu.users.bob.id, username: 'bob', global_name: 'Bob', email: 'bob@spell-rooms.test' });
    expect(me.body.avatar).toMatch(/^[0-9a-f]{32}$/);
  });

  it('GET /users/:id and GET /users/@me/guilds', async () => {
    expect((await api('GET', `/users/${alice().id}`)).body).toMatchObject({ id: alice().id, username: 'alice', discriminator: '0' });
    expectDiscordError(await api('GET', '/users/123456789012345678'), 404, 10013, 'Unknown User');
    const { access_token } = await oauthLogin(emu, 'alice', 'identify guilds');
    const guilds = await api('GET', '/users/@me/guilds', undefined, { Authorization: `Bearer ${access_token}` });
    expect(guilds.body).toEqual([expect.objectContaining({ id: emu.guildId, owner: false })]);
  });

  it('GET /applications/@me and /oauth2/applications/@me describe the application', async () => {
    for (const path of ['/applications/@me', '/oauth2/applications/@me']) {
      const res = await api('GET', path);
      expect(res.body).toMatchObject({ id: emu.clientId, bot: { id: emu.clientId, bot: true } });
    }
  });
});

describe('guilds and channels', () => {
  it('GET /guilds/:id returns the guild with @everyone (id = guild id) and the bot role', async () => {
    const res = await api('GET', `/guilds/${emu.guildId}?with_counts=true`);
    // bot + guild owner + alice … grace (heidi is not a member)
    expect(res.body).toMatchObject({ id: emu.guildId, name: 'Spell Rooms Test Guild', approximate_member_count: 9 });
    expect(res.body.roles).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: emu.guildId, name: '@everyone', position: 0 }),
        expect.objectContaining({ managed: true, tags: { bot_id: emu.clientId } }),
      ]),
    );
    expectDiscordError(await api('GET', '/guilds/123456789012345678'), 404, 10004, 'Unknown Guild');
  });

  it('GET /guilds/:id/channels lists the seeded channels', async () => {
    const res = await api('GET', `/guilds/${emu.guildId}/channels`);
    expect(res.body.map((c: any) => [c.name, c.type])).toEqual([
      ['Game Rooms', ChannelType.GuildCategory],
      ['general', ChannelType.GuildText],
      ['Lounge', ChannelType.GuildVoice],
    ]);
  });

  it('POST /guilds/:id/channels creates a hidden voice channel under the category and dispatches CHANNEL_CREATE', async () => {
    const role = (await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'room-1' })).body;
    events = [];
    const res = await api(
      'POST',
      `/guilds/${emu.guildId}/channels`,
      {
        name: 'Room 1',
        type: ChannelType.GuildVoice,
        user_limit: 4,
        parent_id: channelByName('Game Rooms').id,
        permission_overwrites: [
          { id: emu.guildId, type: OverwriteType.Role, deny: String(P.ViewChannel | P.Connect) },
          { id: role.id, type: OverwriteType.Role, allow: String(P.ViewChannel | P.Connect) },
          { id: emu.clientId, type: OverwriteType.Member, allow: String(P.ViewChannel | P.Connect | P.MoveMembers) },
        ],
      },
      { 'X-Audit-Log-Reason': 'room created' },
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      type: ChannelType.GuildVoice,
      name: 'Room 1',
      guild_id: emu.guildId,
      parent_id: channelByName('Game Rooms').id,
      user_limit: 4,
      bitrate: 64000,
      rtc_region: null,
    });
    expect(res.body.permission_overwrites).toHaveLength(3);
    expect(res.body.id).toMatch(/^\d{17,19}$/);
    expect(events).toEqual([{ guildId: emu.guildId, t: GatewayDispatchEvents.ChannelCreate, d: res.body }]);
  });

  it('slugs text channel names like Discord', async () => {
    const res = await api('POST', `/guilds/${emu.guildId}/channels`, { name: 'Game Night Chat' });
    expect(res.body).toMatchObject({ name: 'game-night-chat', type: ChannelType.GuildText, topic: null });
  });

  it('rejects bad channel bodies with 50035 and an errors tree', async () => {
    const post = (body: unknown) => api('POST', `/guilds/${emu.guildId}/channels`, body);
    const missing = await post({ type: 2 });
    expectDiscordError(missing, 400, 50035, 'Invalid Form Body');
    expect(missing.body.errors).toEqual({ name: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] } });
    const long = await post({ name: 'x'.repeat(101) });
    expect(long.body.errors.name._errors[0]).toEqual({ code: 'BASE_TYPE_BAD_LENGTH', message: 'Must be between 1 and 100 in length.' });
    const limit = await post({ name: 'a', type: 2, user_limit: 100 });
    expect(limit.body.errors.user_limit._errors[0].code).toBe('NUMBER_TYPE_MAX');
    const type = await post({ name: 'a', type: 7 });
    expect(type.body.errors.type._errors[0].code).toBe('BASE_TYPE_CHOICES');
    const parent = await post({ name: 'a', type: 2, parent_id: channelByName('general').id });
    expect(parent.body.errors.parent_id._errors[0].code).toBe('CHANNEL_PARENT_INVALID_TYPE');
    const overwrite = await post({ name: 'a', permission_overwrites: [{ id: 'abc', type: 0 }] });
    expect(overwrite.body.errors.permission_overwrites['0'].id._errors[0].code).toBe('NUMBER_TYPE_COERCE');
    expectDiscordError(await post('{not json'), 400, 50109);
    expect(events).toEqual([]);
  });

  it('refuses overwrites granting permissions the bot does not have (50013)', async () => {
    const res = await api('POST', `/guilds/${emu.guildId}/channels`, {
      name: 'a',
      permission_overwrites: [{ id: emu.guildId, type: 0, allow: String(P.Administrator) }],
    });
    expectDiscordError(res, 403, 50013, 'Missing Permissions');
  });

  it('lets the seeded bot mark a member with PRIORITY_SPEAKER (a room host), and refuses it once its role lacks the bit', async () => {
    const host = { id: alice().id, type: 1, allow: String(P.PrioritySpeaker) };
    const made = await api('POST', `/guilds/${emu.guildId}/channels`, { name: 'Host table', type: 2, permission_overwrites: [host] });
    expect(made.status).toBe(201);
    expect(made.body.permission_overwrites).toEqual([{ ...host, deny: '0' }]);
    const bits = BigInt(emu.state.role(emu.guildId, botRoleId()).permissions);
    emu.state.updateRole(emu.guildId, botRoleId(), { permissions: bits & ~P.PrioritySpeaker });
    expectDiscordError(await api('POST', `/guilds/${emu.guildId}/channels`, { name: 'No host', type: 2, permission_overwrites: [host] }), 403, 50013, 'Missing Permissions');
    expectDiscordError(await api('PUT', `/channels/${made.body.id}/permissions/${emu.users.bob.id}`, { type: 1, allow: String(P.PrioritySpeaker) }), 403, 50013);
  });

  it('GET/PATCH /channels/:id, and 10003 for unknown channels', async () => {
    const lounge = channelByName('Lounge');
    expect((await api('GET', `/channels/${lounge.id}`)).body).toMatchObject({ id: lounge.id, name: 'Lounge', type: 2 });
    const patched = await api('PATCH', `/channels/${lounge.id}`, { name: 'Big Lounge', user_limit: 10 });
    expect(patched.body).toMatchObject({ name: 'Big Lounge', user_limit: 10 });
    expect(events.map((e) => e.t)).toEqual([GatewayDispatchEvents.ChannelUpdate]);
    expectDiscordError(await api('GET', '/channels/123456789012345678'), 404, 10003, 'Unknown Channel');
    expectDiscordError(await api('DELETE', '/channels/123456789012345678'), 404, 10003);
  });

  it('answers 50001 Missing Access for a channel hidden from the bot', async () => {
    const hidden = await api('POST', `/guilds/${emu.guildId}/channels`, {
      name: 'secret',
      type: 2,
      permission_overwrites: [{ id: emu.guildId, type: 0, deny: String(P.ViewChannel) }],
    });
    expectDiscordError(await api('GET', `/channels/${hidden.body.id}`), 403, 50001, 'Missing Access');
    expectDiscordError(await api('DELETE', `/channels/${hidden.body.id}`), 403, 50001);
  });

  it('DELETE /channels/:id returns the channel, then disconnects whoever was in it (after CHANNEL_DELETE)', async () => {
    const lounge = channelByName('Lounge');
    await controlApi(emu)('POST', 'voice', { userId: 'alice', channelId: lounge.id });
    events = [];
    const res = await api('DELETE', `/channels/${lounge.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: lounge.id, name: 'Lounge' });
    expect(events.map((e) => e.t)).toEqual([GatewayDispatchEvents.ChannelDelete, GatewayDispatchEvents.VoiceStateUpdate]);
    expect(events[1]?.d).toMatchObject({ user_id: alice().id, channel_id: null, guild_id: emu.guildId, member: { user: { id: alice().id } } });
    expectDiscordError(await api('GET', `/channels/${lounge.id}`), 404, 10003);
  });

  it('PUT/DELETE /channels/:id/permissions/:id edit one overwrite (204, no content type)', async () => {
    const lounge = channelByName('Lounge');
    const put = await api('PUT', `/channels/${lounge.id}/permissions/${emu.guildId}`, { type: 0, deny: String(P.Connect) });
    expect(put.status).toBe(204);
    expect(put.headers.get('content-type')).toBeNull();
    expect(put.text).toBe('');
    expect(emu.state.channel(lounge.id).overwrites).toEqual([{ id: emu.guildId, type: 0, allow: '0', deny: String(P.Connect) }]);
    expect((await api('DELETE', `/channels/${lounge.id}/permissions/${emu.guildId}`)).status).toBe(204);
    expect(emu.state.channel(lounge.id).overwrites).toEqual([]);
  });
});

describe('roles', () => {
  it('creates roles at position 1 below the bot, updates and deletes them', async () => {
    const created = await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'room-1', permissions: '0', mentionable: false });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'room-1', position: 1, permissions: '0', managed: false, color: 0, hoist: false });
    expect(emu.state.role(emu.guildId, botRoleId()).position).toBe(2);
    expect(events[0]).toEqual({ guildId: emu.guildId, t: GatewayDispatchEvents.GuildRoleCreate, d: { guild_id: emu.guildId, role: created.body } });

    const roles = await api('GET', `/guilds/${emu.guildId}/roles`);
    expect(roles.body).toHaveLength(3);
    const patched = await api('PATCH', `/guilds/${emu.guildId}/roles/${created.body.id}`, { name: 'room-one', color: 0xff0000 });
    expect(patched.body).toMatchObject({ name: 'room-one', color: 0xff0000 });

    const deleted = await api('DELETE', `/guilds/${emu.guildId}/roles/${created.body.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('content-type')).toBeNull();
    expect(events.at(-1)).toEqual({ guildId: emu.guildId, t: GatewayDispatchEvents.GuildRoleDelete, d: { guild_id: emu.guildId, role_id: created.body.id } });
    expectDiscordError(await api('DELETE', `/guilds/${emu.guildId}/roles/${created.body.id}`), 404, 10011, 'Unknown Role');
  });

  it('enforces the hierarchy and what the bot may grant', async () => {
    expectDiscordError(await api('PATCH', `/guilds/${emu.guildId}/roles/${botRoleId()}`, { name: 'x' }), 403, 50013);
    expectDiscordError(await api('DELETE', `/guilds/${emu.guildId}/roles/${emu.guildId}`), 400, 50028);
    expectDiscordError(await api('POST', `/guilds/${emu.guildId}/roles`, { permissions: String(P.Administrator) }), 403, 50013);
    const tooLong = await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'x'.repeat(101) });
    expectDiscordError(tooLong, 400, 50035);
  });
});

describe('members', () => {
  it('lists members by id with limit/after, and validates the query', async () => {
    const first = await api('GET', `/guilds/${emu.guildId}/members?limit=3`);
    expect(first.body).toHaveLength(3);
    const ids: string[] = first.body.map((m: any) => m.user.id);
    expect([...ids].sort()).toEqual(ids);
    const next = await api('GET', `/guilds/${emu.guildId}/members?limit=1000&after=${ids[2]}`);
    expect(next.body).toHaveLength(9 - 3);
    expect((await api('GET', `/guilds/${emu.guildId}/members`)).body).toHaveLength(1);
    expectDiscordError(await api('GET', `/guilds/${emu.guildId}/members?limit=1001`), 400, 50035);
  });

  it('GET /guilds/:id/members/:id returns the member; heidi is not one (10007)', async () => {
    const res = await api('GET', `/guilds/${emu.guildId}/members/${alice().id}`);
    expect(res.body).toMatchObject({ user: { id: alice().id, username: 'alice' }, roles: [], nick: null, deaf: false, mute: false });
    expect(res.body.joined_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expectDiscordError(await api('GET', `/guilds/${emu.guildId}/members/${emu.users.heidi.id}`), 404, 10007, 'Unknown Member');
  });

  it('PUT adds a user with their guilds.join token (201, then 204), rejects bad tokens (50025)', async () => {
    const heidi = emu.users.heidi;
    const bad = await api('PUT', `/guilds/${emu.guildId}/members/${heidi.id}`, { access_token: 'nope' });
    expectDiscordError(bad, 403, 50025);
    const noScope = await oauthLogin(emu, 'heidi', 'identify');
    expectDiscordError(await api('PUT', `/guilds/${emu.guildId}/members/${heidi.id}`, { access_token: noScope.access_token }), 403, 50025);

    const { access_token } = await oauthLogin(emu, 'heidi');
    events = [];
    const added = await api('PUT', `/guilds/${emu.guildId}/members/${heidi.id}`, { access_token });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ user: { id: heidi.id }, roles: [] });
    expect(events).toEqual([{ guildId: emu.guildId, t: GatewayDispatchEvents.GuildMemberAdd, d: { ...added.body, guild_id: emu.guildId } }]);
    const again = await api('PUT', `/guilds/${emu.guildId}/members/${heidi.id}`, { access_token });
    expect(again.status).toBe(204);
    expect(again.headers.get('content-type')).toBeNull();
  });

  it('PUT/DELETE member roles (204) dispatch GUILD_MEMBER_UPDATE; roles above the bot are refused', async () => {
    const role = (await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'room' })).body;
    events = [];
    const put = await api('PUT', `/guilds/${emu.guildId}/members/${alice().id}/roles/${role.id}`);
    expect(put.status).toBe(204);
    expect(put.headers.get('content-type')).toBeNull();
    expect(events[0]).toMatchObject({ t: GatewayDispatchEvents.GuildMemberUpdate, d: { guild_id: emu.guildId, roles: [role.id], user: { id: alice().id } } });
    expect((await api('DELETE', `/guilds/${emu.guildId}/members/${alice().id}/roles/${role.id}`)).status).toBe(204);
    expect(emu.state.member(emu.guildId, alice().id).roles).toEqual([]);
    expectDiscordError(await api('PUT', `/guilds/${emu.guildId}/members/${alice().id}/roles/${botRoleId()}`), 403, 50013);
    expectDiscordError(await api('PUT', `/guilds/${emu.guildId}/members/${emu.users.heidi.id}/roles/${role.id}`), 404, 10007);
    expectDiscordError(await api('PUT', `/guilds/${emu.guildId}/members/${alice().id}/roles/123456789012345678`), 404, 10011);
  });

  it('PATCH moves a user in voice, disconnects with null, and 40032 when not connected', async () => {
    const lounge = channelByName('Lounge');
    const room = (await api('POST', `/guilds/${emu.guildId}/channels`, { name: 'Room', type: 2 })).body;
    const notConnected = await api('PATCH', `/guilds/${emu.guildId}/members/${alice().id}`, { channel_id: room.id });
    expectDiscordError(notConnected, 400, 40032, 'Target user is not connected to voice.');

    await controlApi(emu)('POST', 'voice', { userId: 'alice', channelId: lounge.id });
    events = [];
    const moved = await api('PATCH', `/guilds/${emu.guildId}/members/${alice().id}`, { channel_id: room.id });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ user: { id: alice().id } });
    expect(events).toEqual([
      { guildId: emu.guildId, t: GatewayDispatchEvents.VoiceStateUpdate, d: expect.objectContaining({ channel_id: room.id, user_id: alice().id }) },
    ]);
    await api('PATCH', `/guilds/${emu.guildId}/members/${alice().id}`, { channel_id: null });
    expect(events.at(-1)?.d).toMatchObject({ channel_id: null, user_id: alice().id });
    expect(emu.state.voiceState(emu.guildId, alice().id)).toBeUndefined();
  });

  it('PATCH refuses moves into a channel the bot cannot see, and nick changes without MANAGE_NICKNAMES', async () => {
    const hidden = (
      await api('POST', `/guilds/${emu.guildId}/channels`, {
        name: 'hidden',
        type: 2,
        permission_overwrites: [{ id: emu.guildId, type: 0, deny: String(P.ViewChannel) }],
      })
    ).body;
    await controlApi(emu)('POST', 'voice', { userId: 'alice', channelId: channelByName('Lounge').id });
    expectDiscordError(await api('PATCH', `/guilds/${emu.guildId}/members/${alice().id}`, { channel_id: hidden.id }), 403, 50001);
    expectDiscordError(await api('PATCH', `/guilds/${emu.guildId}/members/${alice().id}`, { nick: 'Al' }), 403, 50013);
    const muted = await api('PATCH', `/guilds/${emu.guildId}/members/${alice().id}`, { mute: true });
    expect(muted.body).toMatchObject({ mute: true });
  });

  it('DELETE kicks only with KICK_MEMBERS (204 + voice leave + GUILD_MEMBER_REMOVE)', async () => {
    expectDiscordError(await api('DELETE', `/guilds/${emu.guildId}/members/${alice().id}`), 403, 50013);
    emu.state.updateRole(emu.guildId, botRoleId(), { permissions: BigInt(emu.state.role(emu.guildId, botRoleId()).permissions) | P.KickMembers });
    await controlApi(emu)('POST', 'voice', { userId: 'alice', channelId: channelByName('Lounge').id });
    events = [];
    const res = await api('DELETE', `/guilds/${emu.guildId}/members/${alice().id}`);
    expect(res.status).toBe(204);
    expect(events.map((e) => e.t)).toEqual([GatewayDispatchEvents.VoiceStateUpdate, GatewayDispatchEvents.GuildMemberRemove]);
    expect(events[1]?.d).toEqual({ guild_id: emu.guildId, user: expect.objectContaining({ id: alice().id }) });
  });

  it('GET /guilds/:id/voice-states/:id', async () => {
    expectDiscordError(await api('GET', `/guilds/${emu.guildId}/voice-states/${alice().id}`), 404, 10065);
    await controlApi(emu)('POST', 'voice', { userId: 'alice', channelId: channelByName('Lounge').id, selfMute: true });
    const res = await api('GET', `/guilds/${emu.guildId}/voice-states/${alice().id}`);
    expect(res.body).toMatchObject({ user_id: alice().id, channel_id: channelByName('Lounge').id, self_mute: true, guild_id: emu.guildId });
  });
});
