import { DiscordAPIError, REST } from '@discordjs/rest';
import { ChannelType, Client, GatewayIntentBits, type VoiceState } from 'discord.js';
import { Routes, type APIChannel } from 'discord-api-types/v10';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from './server.ts';
import { controlApi } from './test-helpers.ts';

/** The real clients, unchanged, against the emulator: @discordjs/rest and the full discord.js Client. */

let emu: EmulatorHandle | undefined;
let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  client = undefined;
  await emu?.close();
  emu = undefined;
});

async function start(options: EmulatorOptions = {}) {
  emu = await startEmulator(options);
  const rest = new REST({ api: emu.apiUrl, retries: 1 }).setToken(emu.botToken);
  return { emu, rest };
}

describe('@discordjs/rest', () => {
  it('creates and deletes a voice channel', async () => {
    const { emu, rest } = await start();
    const created = (await rest.post(Routes.guildChannels(emu.guildId), {
      body: { name: 'Room 1', type: ChannelType.GuildVoice, user_limit: 4 },
      reason: 'room created',
    })) as APIChannel;
    expect(created).toMatchObject({ name: 'Room 1', type: ChannelType.GuildVoice });
    expect(emu.state.channel(created.id).userLimit).toBe(4);
    const deleted = (await rest.delete(Routes.channel(created.id))) as APIChannel;
    expect(deleted.id).toBe(created.id);
    await expect(rest.get(Routes.channel(created.id))).rejects.toMatchObject({ code: 10003, status: 404, method: 'GET' });
  });

  it('throws DiscordAPIError with Discord codes and form errors', async () => {
    const { emu, rest } = await start();
    const error = await rest.post(Routes.guildChannels(emu.guildId), { body: { name: '' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect(error).toMatchObject({ code: 50035, status: 400, rawError: { errors: { name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } } } });
  });

  it('queues through a bucket from the headers alone, without hitting a 429', async () => {
    const { emu, rest } = await start({ routeLimits: { 'POST /guilds/:id/channels': { limit: 2, windowMs: 400 } } });
    const started = performance.now();
    const made = await Promise.all(
      Array.from({ length: 5 }, (_, i) => rest.post(Routes.guildChannels(emu.guildId), { body: { name: `r${i}`, type: 2 } })),
    );
    expect(made).toHaveLength(5);
    expect(performance.now() - started).toBeGreaterThanOrEqual(750);
    expect(emu.state.rateLimitHits).toEqual([]);
  });

  it('waits out an injected 429 and succeeds', async () => {
    const { emu, rest } = await start();
    await controlApi(emu)('POST', 'faults', { kind: 'rest.status', route: '/guilds/:id/roles', method: 'POST', status: 429, retryAfter: 0.2 });
    const role = await rest.post(Routes.guildRoles(emu.guildId), { body: { name: 'room' } });
    expect(role).toMatchObject({ name: 'room' });
    expect(emu.state.rateLimitHits).toHaveLength(1);
  });
});

describe('discord.js Client', () => {
  it('logs in, sees the guild, creates and deletes a voice channel, and follows voice changes', async () => {
    emu = await startEmulator();
    const c = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMembers],
      rest: { api: emu.apiUrl },
    });
    client = c;
    const ready = new Promise<void>((resolve) => c.once('clientReady', () => resolve()));
    await c.login(emu.botToken);
    await ready;
    expect(c.user?.id).toBe(emu.clientId);
    const guild = c.guilds.cache.get(emu.guildId);
    expect(guild?.name).toBe('Spell Rooms Test Guild');
    expect(guild?.members.cache.get(emu.users.alice.id)?.user.username).toBe('alice');

    const channel = await guild?.channels.create({ name: 'Room 1', type: ChannelType.GuildVoice, userLimit: 4 });
    expect(channel && guild?.channels.cache.get(channel.id)?.name).toBe('Room 1');

    const joined = new Promise<VoiceState>((resolve) => c.once('voiceStateUpdate', (_old, now) => resolve(now)));
    await controlApi(emu)('POST', 'voice', { userId: 'alice', channelId: channel?.id });
    expect((await joined).channelId).toBe(channel?.id);

    const left = new Promise<VoiceState>((resolve) => c.once('voiceStateUpdate', (old) => resolve(old)));
    await channel?.delete();
    expect((await left).channelId).toBe(channel?.id);
    expect(guild?.channels.cache.has(channel?.id ?? '')).toBe(false);
  });

  it('re-identifies after POST /_emulator/reset and sees the seeded guild again', async () => {
    emu = await startEmulator();
    const e = emu;
    const c = new Client({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates], rest: { api: e.apiUrl } });
    client = c;
    const ready = new Promise<void>((resolve) => c.once('clientReady', () => resolve()));
    await c.login(e.botToken);
    await ready;
    const guild = c.guilds.cache.get(e.guildId);
    await guild?.channels.create({ name: 'Temporary', type: ChannelType.GuildVoice });
    expect(guild?.channels.cache.size).toBe(4);

    await controlApi(e)('POST', 'reset');
    await expect.poll(() => e.gateway.stats().identifies, { timeout: 15_000, interval: 100 }).toBe(2);
    await expect.poll(() => c.guilds.cache.get(e.guildId)?.channels.cache.size, { timeout: 5_000 }).toBe(3);
  });
});
