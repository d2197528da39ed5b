/**
 * The same-job references do the app's job against the real emulator: they load the guild's voice
 * states from GUILD_CREATE, answer a subscribe with the room's snapshot, and turn each
 * VOICE_STATE_UPDATE into the app's frame (the prefix and `seq` the bench's clients read), numbered
 * per room, and a move told to the room that was left.
 */
import { type EmulatorHandle, startEmulator } from '@repo/discord-emulator';
import { ChannelType } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type ReferenceProcess, startGatewayReference } from './processes.ts';

interface Frame {
  v: number;
  type: string;
  event: string;
  payload: { roomId: string; seq: number; member?: { userId: string; selfMute: boolean; username: string }; members?: Array<{ userId: string }>; userId?: string };
}

/** A subscribed client: every frame it got, raw and parsed. */
async function subscribe(server: ReferenceProcess, channelId: string) {
  const raw: string[] = [];
  const ws = new WebSocket(`${server.url}/?channel=${channelId}`, { perMessageDeflate: false });
  ws.on('message', (data: Buffer) => raw.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = async (count: number): Promise<Frame[]> => {
    const deadline = Date.now() + 5_000;
    while (raw.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} frames, got ${raw.length}: ${raw.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return raw.slice(0, count).map((r) => JSON.parse(r) as Frame);
  };
  return { ws, raw, next };
}

describe.each(['floor', 'peer'] as const)('the %s reference', (kind) => {
  let emu: EmulatorHandle;
  let server: ReferenceProcess;
  let a: string;
  let b: string;
  let users: string[];

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, extraUsers: 3, rateLimits: 'off' });
    a = emu.state.createChannel(emu.guildId, { name: 'room-a', type: ChannelType.GuildVoice }).id;
    b = emu.state.createChannel(emu.guildId, { name: 'room-b', type: ChannelType.GuildVoice }).id;
    users = ['user0001', 'user0002', 'user0003'].map((name) => emu.state.findUser(name)!.id);
    emu.state.setVoiceState(emu.guildId, users[0]!, { channelId: a });
    emu.state.setVoiceState(emu.guildId, users[1]!, { channelId: a });
    server = await startGatewayReference(kind, emu);
  });

  afterAll(async () => {
    await server?.stop();
    await emu?.close();
  });

  it('answers a subscribe with the room as GUILD_CREATE gave it, then numbers each change from 1', async () => {
    const roomA = await subscribe(server, a);
    const [snapshot] = await roomA.next(1);
    expect(snapshot?.event).toBe('room.snapshot');
    expect(snapshot?.payload.seq).toBe(0);
    expect(snapshot?.payload.members?.map((m) => m.userId).sort()).toEqual([users[0], users[1]].sort());

    emu.state.setVoiceState(emu.guildId, users[0]!, { selfMute: true });
    const frames = await roomA.next(2);
    const update = frames[1]!;
    expect(update).toMatchObject({ v: 1, type: 'event', event: 'voice.updated', payload: { roomId: a, seq: 1 } });
    expect(update.payload.member).toMatchObject({ userId: users[0], username: 'user0001', selfMute: true });
    // What the bench's clients read without parsing: the prefix, and `"seq":` last in the payload.
    expect(roomA.raw[1]!.startsWith('{"v":1,"type":"event","event":"voice.')).toBe(true);
    expect(roomA.raw[1]!.slice(roomA.raw[1]!.lastIndexOf('"seq":'))).toMatch(/^"seq":1\}/);

    // The floor, like the app, drops a dispatch that changes nothing the room shows (the next change
    // is 2); the peer, as most discord.js bots are written, forwards every voiceStateUpdate (3). The
    // bench's events are never no-ops, so both do the same work there.
    emu.state.setVoiceState(emu.guildId, users[0]!, { selfMute: true });
    emu.state.setVoiceState(emu.guildId, users[1]!, { selfDeaf: true });
    const noOps = kind === 'floor' ? 0 : 1;
    const last = (await roomA.next(3 + noOps))[2 + noOps];
    expect(last?.payload).toMatchObject({ seq: 2 + noOps, member: { userId: users[1] } });
    roomA.ws.close();
  });

  it('tells the room left and the room joined on a move, each in its own numbering', async () => {
    const roomA = await subscribe(server, a);
    const roomB = await subscribe(server, b);
    const [snapA] = await roomA.next(1);
    const [snapB] = await roomB.next(1);
    const baseA = snapA!.payload.seq;
    expect(snapB?.payload).toMatchObject({ seq: 0, members: [] });

    emu.state.setVoiceState(emu.guildId, users[1]!, { channelId: b });
    const [, left] = await roomA.next(2);
    const [, joined] = await roomB.next(2);
    expect(left).toMatchObject({ event: 'voice.left', payload: { roomId: a, userId: users[1], seq: baseA + 1 } });
    expect(joined).toMatchObject({ event: 'voice.joined', payload: { roomId: b, seq: 1, member: { userId: users[1] } } });
    // Someone else's room is nobody's business here: a change in A reaches no socket of B.
    emu.state.setVoiceState(emu.guildId, users[0]!, { selfMute: false });
    await roomA.next(3);
    expect(roomB.raw).toHaveLength(2);
    roomA.ws.close();
    roomB.ws.close();
  });
});
