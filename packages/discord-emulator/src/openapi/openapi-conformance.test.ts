import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../server.ts';
import { botApi, controlApi, oauthLogin, type ApiCall } from '../test-helpers.ts';
import { discordSchema, schemaProblems } from './discord-schemas.ts';

/**
 * The emulator's answers against Discord's own response schemas (a project-owned copy of its
 * OpenAPI description): every field Discord marks required is there, with the right type.
 */

let emu: EmulatorHandle;
let api: ApiCall;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, rateLimits: 'off', limits: { channelsPerCategory: 1 } });
  api = botApi(emu);
});
afterAll(async () => {
  await emu.close();
});

async function conforms(schema: string, method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const res = await api(method, path, body, headers);
  expect(schemaProblems(schema, res.body), `${method} ${path} → ${res.status} ${res.text}`).toEqual([]);
  return res;
}

describe("the emulator's answers validate against Discord's OpenAPI schemas", () => {
  it('the copy catches a missing required field (owner, primary_guild, home_header)', async () => {
    const app = (await api('GET', '/applications/@me')).body as Record<string, unknown>;
    const { owner: _owner, ...withoutOwner } = app;
    expect(schemaProblems('PrivateApplicationResponse', withoutOwner)).toEqual([expect.stringMatching(/^owner: /)]);
    const user = (await api('GET', `/users/${emu.users.alice.id}`)).body as Record<string, unknown>;
    const { primary_guild: _primaryGuild, ...withoutPrimaryGuild } = user;
    expect(schemaProblems('UserResponse', withoutPrimaryGuild)).toEqual([expect.stringMatching(/^primary_guild: /)]);
    const guild = (await api('GET', `/guilds/${emu.guildId}`)).body as Record<string, unknown>;
    const { home_header: _homeHeader, ...withoutHomeHeader } = guild;
    expect(schemaProblems('GuildResponse', withoutHomeHeader)).toEqual([expect.stringMatching(/^home_header: /)]);
    expect(discordSchema('ErrorResponse').safeParse({ message: 'x', code: '0' }).success).toBe(false);
  });

  it('application (both routes)', async () => {
    await conforms('PrivateApplicationResponse', 'GET', '/applications/@me');
    const res = await conforms('PrivateApplicationResponse', 'GET', '/oauth2/applications/@me');
    expect(res.body).toMatchObject({ id: emu.clientId, owner: { username: 'guild_owner', primary_guild: null }, bot: { id: emu.clientId } });
  });

  it('a channel invite (Create Channel Invite)', async () => {
    const lounge = emu.state.channels(emu.guildId).find((c) => c.name === 'Lounge')!;
    const res = await conforms('GuildInviteResponse', 'POST', `/channels/${lounge.id}/invites`, { max_age: 3600, unique: true });
    expect(res.body).toMatchObject({ guild_id: emu.guildId, channel: { id: lounge.id }, max_age: 3600 });
  });

  it('gateway/bot', async () => {
    await conforms('GatewayBotResponse', 'GET', '/gateway/bot');
  });

  it('users: the bot, another user, an OAuth2 user', async () => {
    await conforms('UserPIIResponse', 'GET', '/users/@me');
    await conforms('UserResponse', 'GET', `/users/${emu.users.alice.id}`);
    const { access_token } = await oauthLogin(emu, 'alice', 'identify email guilds.join');
    await conforms('UserPIIResponse', 'GET', '/users/@me', undefined, { Authorization: `Bearer ${access_token}` });
    await conforms('OAuth2GetAuthorizationResponse', 'GET', '/oauth2/@me', undefined, { Authorization: `Bearer ${access_token}` });
  });

  it("the current user's guilds, with and without counts", async () => {
    const { access_token } = await oauthLogin(emu, 'dave', 'identify guilds');
    for (const path of ['/users/@me/guilds', '/users/@me/guilds?with_counts=true']) {
      const res = await api('GET', path, undefined, { Authorization: `Bearer ${access_token}` });
      expect(res.body).toHaveLength(1);
      for (const guild of res.body) expect(schemaProblems('MyGuildResponse', guild)).toEqual([]);
    }
  });

  it('guild, with and without counts', async () => {
    await conforms('GuildResponse', 'GET', `/guilds/${emu.guildId}`);
    await conforms('GuildWithCountsResponse', 'GET', `/guilds/${emu.guildId}?with_counts=true`);
  });

  it('channels: created, fetched, listed, edited, deleted', async () => {
    const category = emu.state.channels(emu.guildId).find((c) => c.type === 4);
    const created = await conforms('GuildChannelResponse', 'POST', `/guilds/${emu.guildId}/channels`, {
      name: 'Room',
      type: 2,
      user_limit: 4,
      parent_id: category?.id,
      permission_overwrites: [
        { id: emu.guildId, type: 0, deny: '1024' },
        { id: emu.clientId, type: 1, allow: '1024' },
      ],
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    await conforms('GuildChannelResponse', 'GET', `/channels/${id}`);
    await conforms('GuildChannelResponse', 'PATCH', `/channels/${id}`, { name: 'Room 2' });
    const list = await api('GET', `/guilds/${emu.guildId}/channels`);
    for (const channel of list.body as unknown[]) expect(schemaProblems('GuildChannelResponse', channel)).toEqual([]);
    await conforms('GuildChannelResponse', 'DELETE', `/channels/${id}`);
  });

  it('roles and members', async () => {
    const role = await conforms('GuildRoleResponse', 'POST', `/guilds/${emu.guildId}/roles`, { name: 'room' });
    await conforms('GuildRoleResponse', 'PATCH', `/guilds/${emu.guildId}/roles/${(role.body as { id: string }).id}`, { name: 'room 2' });
    const roles = await api('GET', `/guilds/${emu.guildId}/roles`);
    for (const r of roles.body as unknown[]) expect(schemaProblems('GuildRoleResponse', r)).toEqual([]);
    await conforms('GuildMemberResponse', 'GET', `/guilds/${emu.guildId}/members/${emu.users.alice.id}`);
    const members = await api('GET', `/guilds/${emu.guildId}/members?limit=100`);
    for (const m of members.body as unknown[]) expect(schemaProblems('GuildMemberResponse', m)).toEqual([]);
  });

  it('voice states', async () => {
    const lounge = emu.state.channels(emu.guildId).find((c) => c.type === 2);
    await controlApi(emu)('POST', 'voice', { userId: 'bob', channelId: lounge?.id });
    await conforms('VoiceStateResponse', 'GET', `/guilds/${emu.guildId}/voice-states/${emu.users.bob.id}`);
  });

  it('error bodies: unknown object, invalid form body, a full category, unauthorized', async () => {
    await conforms('ErrorResponse', 'GET', '/channels/1');
    await conforms('ErrorResponse', 'POST', `/guilds/${emu.guildId}/channels`, { name: '' });
    const category = emu.state.channels(emu.guildId).find((c) => c.type === 4);
    await api('POST', `/guilds/${emu.guildId}/channels`, { name: 'fills', type: 2, parent_id: category?.id });
    const full = await conforms('ErrorResponse', 'POST', `/guilds/${emu.guildId}/channels`, { name: 'over', type: 2, parent_id: category?.id });
    expect(full.status).toBe(400);
    await conforms('ErrorResponse', 'GET', '/users/@me', undefined, { Authorization: 'Bot nope' });
  });

  it('rate-limit bodies: a bucket 429 and a global one', async () => {
    await controlApi(emu)('POST', 'faults', { kind: 'rest.status', route: '/users/@me', status: 429, count: 2 });
    await conforms('RatelimitedResponse', 'GET', '/users/@me');
    await controlApi(emu)('POST', 'faults', { kind: 'rest.status', route: '/users/@me', status: 429, global: true });
    await conforms('RatelimitedResponse', 'GET', '/users/@me');
  });
});
