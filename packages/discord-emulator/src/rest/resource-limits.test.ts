import { ChannelType } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../server.ts';
import { botApi, type ApiCall } from '../test-helpers.ts';

/**
 * Discord's resource limits with Discord's exact answers: 50 channels per category, 500 channels
 * per guild (categories included), 250 roles per guild (@everyone and the bot's managed role
 * included). Each is tested at its edge, lowered, and on its undo path (a delete frees a slot).
 */

let emu: EmulatorHandle;
let api: ApiCall;
afterEach(async () => {
  await emu.close();
});

async function start(options: EmulatorOptions = {}): Promise<void> {
  emu = await startEmulator({ port: 0, rateLimits: 'off', ...options });
  api = botApi(emu);
}

const categoryId = () => emu.state.channels(emu.guildId).find((c) => c.type === ChannelType.GuildCategory)?.id ?? '';
const channelCount = () => emu.state.channels(emu.guildId).length;
const childrenOf = (parentId: string) => emu.state.channels(emu.guildId).filter((c) => c.parent_id === parentId).length;
const roleCount = () => emu.state.roles(emu.guildId).length;

function voiceIn(parentId: string | null, name = 'Room') {
  return { name, type: ChannelType.GuildVoice, parent_id: parentId };
}

/** Fills the guild through state (no HTTP) until it holds `n` channels, outside any category. */
function fillChannels(n: number): void {
  while (channelCount() < n) emu.state.createChannel(emu.guildId, { name: 'filler', type: ChannelType.GuildVoice });
}

function categoryFullBody(limit: number) {
  return {
    message: 'Invalid Form Body',
    code: 50035,
    errors: {
      parent_id: {
        _errors: [{ code: 'CHANNEL_PARENT_MAX_CHANNELS', message: `Maximum number of channels in category reached (${limit})` }],
      },
    },
  };
}

describe('50 channels per category', () => {
  it('accepts the 50th channel in a category and refuses the 51st with Discord’s body', async () => {
    await start();
    const parent = categoryId();
    for (let i = 1; i <= 49; i++) emu.state.createChannel(emu.guildId, { name: `r${i}`, type: ChannelType.GuildVoice, parentId: parent });
    expect((await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(parent, 'fiftieth'))).status).toBe(201);
    expect(childrenOf(parent)).toBe(50);

    const refused = await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(parent, 'fifty-first'));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual(categoryFullBody(50));
    expect(childrenOf(parent)).toBe(50);
  });

  it('follows a lowered limit, leaves everything as it was, and frees a slot on delete', async () => {
    await start({ limits: { channelsPerCategory: 3 } });
    const parent = categoryId();
    const created: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(parent));
      expect(res.status).toBe(201);
      created.push((res.body as { id: string }).id);
    }
    const before = channelCount();
    const dispatches: string[] = [];
    emu.state.onDispatch((d) => dispatches.push(d.t));

    const refused = await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(parent));
    expect(refused.body).toEqual(categoryFullBody(3));
    expect(channelCount()).toBe(before);
    expect(dispatches).toEqual([]);

    expect((await api('DELETE', `/channels/${created[0]}`)).status).toBe(200);
    expect((await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(parent))).status).toBe(201);
  });

  it('counts only the category’s own children: channels elsewhere and other categories do not fill it', async () => {
    await start({ limits: { channelsPerCategory: 1 } });
    const parent = categoryId();
    const other = (await api('POST', `/guilds/${emu.guildId}/channels`, { name: 'Spill', type: ChannelType.GuildCategory })).body as { id: string };
    expect((await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(null))).status).toBe(201);
    expect((await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(other.id))).status).toBe(201);
    expect((await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(parent))).status).toBe(201);
    expect((await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(parent))).body).toEqual(categoryFullBody(1));
  });

  it('refuses moving a channel into a full category (PATCH parent_id); staying in its own category is fine', async () => {
    await start({ limits: { channelsPerCategory: 2 } });
    const parent = categoryId();
    const inside = (await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(parent))).body as { id: string };
    await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(parent));
    const outside = (await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(null))).body as { id: string };

    const move = await api('PATCH', `/channels/${outside.id}`, { parent_id: parent });
    expect(move.status).toBe(400);
    expect(move.body).toEqual(categoryFullBody(2));
    expect(emu.state.channel(outside.id).parentId).toBeNull();

    const stay = await api('PATCH', `/channels/${inside.id}`, { name: 'Renamed', parent_id: parent });
    expect(stay.status).toBe(200);
    expect(stay.body).toMatchObject({ name: 'Renamed', parent_id: parent });

    // Moving one out makes room for the other to move in.
    expect((await api('PATCH', `/channels/${inside.id}`, { parent_id: null })).status).toBe(200);
    expect((await api('PATCH', `/channels/${outside.id}`, { parent_id: parent })).status).toBe(200);
  });
});

describe('500 channels per guild', () => {
  it('accepts the 500th channel and refuses the 501st with 30013, categories counting as channels', async () => {
    await start();
    fillChannels(498);
    expect((await api('POST', `/guilds/${emu.guildId}/channels`, { name: 'Cat', type: ChannelType.GuildCategory })).status).toBe(201);
    expect(channelCount()).toBe(499);
    expect((await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(null))).status).toBe(201);

    for (const body of [voiceIn(null), { name: 'Cat 2', type: ChannelType.GuildCategory }]) {
      const refused = await api('POST', `/guilds/${emu.guildId}/channels`, body);
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ message: 'Maximum number of guild channels reached (500)', code: 30013 });
    }
    expect(channelCount()).toBe(500);
  });

  it('follows a lowered limit and frees a slot on delete', async () => {
    await start({ limits: { channelsPerGuild: 5 } });
    expect(channelCount()).toBe(3); // the seed: a category, #general, Lounge
    const fourth = (await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(null))).body as { id: string };
    expect((await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(categoryId()))).status).toBe(201);
    const refused = await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(null));
    expect(refused.body).toEqual({ message: 'Maximum number of guild channels reached (5)', code: 30013 });
    await api('DELETE', `/channels/${fourth.id}`);
    expect((await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(null))).status).toBe(201);
  });
});

describe('250 roles per guild', () => {
  it('counts @everyone and the bot’s managed role: accepts the 250th role, refuses the 251st with 30005', async () => {
    await start();
    expect(emu.state.roles(emu.guildId).map((r) => r.name)).toEqual(['@everyone', 'Spell Rooms Bot']);
    while (roleCount() < 249) emu.state.createRole(emu.guildId, { name: 'filler' });
    expect((await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'two-fiftieth' })).status).toBe(200);
    expect(roleCount()).toBe(250);

    const refused = await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'over' });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ message: 'Maximum number of guild roles reached (250)', code: 30005 });
    expect(roleCount()).toBe(250);
  });

  it('follows a lowered limit and frees a slot on delete', async () => {
    await start({ limits: { rolesPerGuild: 3 } });
    const third = (await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'room' })).body as { id: string };
    const dispatches: string[] = [];
    emu.state.onDispatch((d) => dispatches.push(d.t));
    expect((await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'room 2' })).body).toEqual({
      message: 'Maximum number of guild roles reached (3)',
      code: 30005,
    });
    expect(dispatches).toEqual([]);
    expect((await api('DELETE', `/guilds/${emu.guildId}/roles/${third.id}`)).status).toBe(204);
    expect((await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'room 3' })).status).toBe(200);
  });
});

describe("resourceLimits: 'off'", () => {
  it('lifts the three limits, but a limit set explicitly still applies', async () => {
    await start({ resourceLimits: 'off', limits: { rolesPerGuild: 3 } });
    const parent = categoryId();
    for (let i = 0; i < 50; i++) emu.state.createChannel(emu.guildId, { name: `r${i}`, type: ChannelType.GuildVoice, parentId: parent });
    fillChannels(500);
    expect((await api('POST', `/guilds/${emu.guildId}/channels`, voiceIn(parent))).status).toBe(201);
    expect(emu.state.resourceLimits).toEqual({ channelsPerCategory: Infinity, channelsPerGuild: Infinity, rolesPerGuild: 3 });
    await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'room' });
    expect((await api('POST', `/guilds/${emu.guildId}/roles`, { name: 'room 2' })).body).toMatchObject({ code: 30005 });
  });

  it('a bad limit is refused at start', async () => {
    await expect(startEmulator({ port: 0, limits: { channelsPerCategory: -1 } })).rejects.toThrow('limits.channelsPerCategory');
    await expect(startEmulator({ port: 0, limits: { rolesPerGuild: 2.5 } })).rejects.toThrow(RangeError);
    await start();
  });
});
