/**
 * Real discord.js (14.x, on @discordjs/ws 1.x) and a bare @discordjs/ws 2.x manager against the
 * whole emulator: REST finds the gateway, the gateway fills the caches, the control API moves
 * people, REST changes come back as dispatches, and a dropped socket is resumed.
 */
import { REST } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents, type SessionInfo } from '@discordjs/ws';
import { GatewayDispatchEvents, GatewayIntentBits, type GatewayDispatchPayload } from 'discord-api-types/v10';
import { ChannelType, Client, Events, type VoiceState } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from './index.ts';

let emu: EmulatorHandle;
beforeEach(async () => {
  emu = await startEmulator();
});
afterEach(async () => {
  await emu.close();
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function control(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${emu.controlUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res.json();
}

const loungeId = () => emu.state.channels(emu.guildId).find((c) => c.name === 'Lounge')?.id ?? '';

describe('discord.js Client', () => {
  let client: Client;
  afterEach(async () => {
    await client.destroy();
  });

  it('logs in, caches the guild from GUILD_CREATE, sees voice moves and its own channel changes', async () => {
    client = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMembers],
      // discord.js asks GET /gateway/bot on this API for the gateway URL; nothing else is needed.
      rest: { api: emu.apiUrl },
    });
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(emu.botToken);
    await ready;

    expect(client.user?.id).toBe(emu.state.botUser().id);
    const guild = client.guilds.cache.get(emu.guildId);
    expect(guild?.name).toBe(emu.state.guildPayload(emu.guildId).name);
    expect(guild?.channels.cache.map((c) => c.name)).toEqual(expect.arrayContaining(['Game Rooms', 'general', 'Lounge']));
    expect(guild?.members.cache.get(emu.users.alice.id)?.user.username).toBe('alice');

    const moves: VoiceState[] = [];
    client.on(Events.VoiceStateUpdate, (_old, now) => void moves.push(now));
    await control('/voice', { userId: emu.users.alice.id, channelId: loungeId() });
    await until(() => moves.length === 1);
    expect(moves[0]?.member?.user.username).toBe('alice');
    expect(moves[0]?.channelId).toBe(loungeId());
    const lounge = guild?.channels.cache.get(loungeId());
    expect(lounge?.isVoiceBased() && lounge.members.map((m) => m.user.username)).toEqual(['alice']);

    const created: string[] = [];
    const deleted: string[] = [];
    client.on(Events.ChannelCreate, (c) => void created.push(c.id));
    client.on(Events.ChannelDelete, (c) => void deleted.push(c.id));
    const channel = await guild!.channels.create({ name: 'spell-room-1', type: ChannelType.GuildVoice, userLimit: 4 });
    expect(channel.type).toBe(ChannelType.GuildVoice);
    expect(emu.state.channel(channel.id).userLimit).toBe(4);
    await channel.delete();
    expect(guild?.channels.cache.has(channel.id)).toBe(false);
    // The CHANNEL_CREATE/CHANNEL_DELETE dispatches came back through the gateway and were applied once.
    await until(() => emu.gateway.stats().sessions[0]!.seq >= 5);
    expect(deleted).toEqual([channel.id]);
    expect(created).toEqual([channel.id]);
    expect(emu.gateway.stats()).toMatchObject({ identifies: 1, connections: 1 });
  });
});

describe('@discordjs/ws 2.x WebSocketManager', () => {
  let manager: WebSocketManager;
  afterEach(async () => {
    await manager.destroy();
  });

  it('resumes after a gateway.drop fault without losing the dispatches sent meanwhile', async () => {
    const sessions = new Map<number, SessionInfo>();
    manager = new WebSocketManager({
      token: emu.botToken,
      intents: GatewayIntentBits.Guilds | GatewayIntentBits.GuildVoiceStates | GatewayIntentBits.GuildMembers,
      rest: new REST({ api: emu.apiUrl }).setToken(emu.botToken),
      retrieveSessionInfo: (shardId) => sessions.get(shardId) ?? null,
      updateSessionInfo: (shardId, info) => {
        if (info) sessions.set(shardId, info);
        else sessions.delete(shardId);
      },
    });
    const seen: Array<{ t: string; s: number }> = [];
    let resumed = 0;
    manager.on(WebSocketShardEvents.Dispatch, (p: GatewayDispatchPayload) => void seen.push({ t: p.t, s: p.s }));
    manager.on(WebSocketShardEvents.Resumed, () => void resumed++);
    await manager.connect();
    await until(() => seen.some((d) => d.t === GatewayDispatchEvents.GuildCreate));

    expect(await control('/faults', { kind: 'gateway.drop' })).toEqual({ ok: true, affected: 1 });
    await control('/voice', { userId: emu.users.alice.id, channelId: loungeId() });
    await control('/voice', { userId: emu.users.bob.id, channelId: loungeId() });

    await until(() => resumed === 1 && seen.filter((d) => d.t === GatewayDispatchEvents.VoiceStateUpdate).length === 2);
    expect(seen.map((d) => d.t)).toEqual(['READY', 'GUILD_CREATE', 'VOICE_STATE_UPDATE', 'VOICE_STATE_UPDATE', 'RESUMED']);
    expect(seen.map((d) => d.s)).toEqual([1, 2, 3, 4, 5]);
    expect(emu.gateway.stats()).toMatchObject({ identifies: 1, resumes: 1, connections: 1 });
  });
});
