/**
 * The client the app is built on (@discordjs/ws 2.x) driven through every gateway fault against
 * this server. Real time here: the library heartbeats on its own clock.
 */
import { REST } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents, type SessionInfo } from '@discordjs/ws';
import { GatewayDispatchEvents, type GatewayDispatchPayload } from 'discord-api-types/v10';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALL_TEST_INTENTS, startHarness, until, type Harness } from './gateway-harness.ts';

const HEARTBEAT_MS = 500;

let h: Harness;
let manager: WebSocketManager | null = null;
let received: Array<{ t: string; s: number }>;
let lastGuildCreate: { voice_states?: Array<{ user_id: string; channel_id: string | null }> } | null;
let resumedCount: number;
let errors: Error[];

beforeEach(async () => {
  h = await startHarness({ now: Date.now, heartbeatIntervalMs: HEARTBEAT_MS, tickMs: 20 });
  received = [];
  lastGuildCreate = null;
  resumedCount = 0;
  errors = [];
});
afterEach(async () => {
  await manager?.destroy();
  manager = null;
  await h.close();
});

async function connect(token = h.token): Promise<WebSocketManager> {
  // A session store per manager: the library's default store is shared by every manager in the process.
  const sessions = new Map<number, SessionInfo>();
  const m = new WebSocketManager({
    token,
    intents: ALL_TEST_INTENTS,
    rest: new REST({ api: h.apiUrl }).setToken(token),
    // The real throttler spaces identifies 5 s apart; that is Discord's rule, not the emulator's subject.
    buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }),
    retrieveSessionInfo: (shardId) => sessions.get(shardId) ?? null,
    updateSessionInfo: (shardId, info) => {
      if (info) sessions.set(shardId, info);
      else sessions.delete(shardId);
    },
  });
  m.on(WebSocketShardEvents.Dispatch, (payload: GatewayDispatchPayload) => {
    received.push({ t: payload.t, s: payload.s });
    if (payload.t === GatewayDispatchEvents.GuildCreate) lastGuildCreate = payload.d;
  });
  m.on(WebSocketShardEvents.Resumed, () => void resumedCount++);
  m.on(WebSocketShardEvents.Error, (error: Error) => void errors.push(error));
  manager = m;
  return m;
}

async function connectAndWaitForGuild(): Promise<WebSocketManager> {
  const m = await connect();
  await m.connect();
  await until(() => received.some((r) => r.t === 'GUILD_CREATE'));
  return m;
}

function moveAliceAndBob(): void {
  const alice = h.state.findUser('alice')?.id ?? '';
  const bob = h.state.findUser('bob')?.id ?? '';
  const lounge = h.state.channels(h.guildId).find((c) => c.name === 'Lounge')?.id ?? '';
  h.state.setVoiceState(h.guildId, alice, { channelId: lounge });
  h.state.setVoiceState(h.guildId, bob, { channelId: lounge });
  h.state.setVoiceState(h.guildId, alice, { channelId: null });
}

/** Every sequence number exactly once, in order: nothing lost, nothing replayed twice. */
function expectGaplessSequence(): void {
  const seqs = received.map((r) => r.s);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
}

const voiceUpdates = () => received.filter((r) => r.t === 'VOICE_STATE_UPDATE').length;

describe('@discordjs/ws 2.x against the emulator gateway', () => {
  it('identifies, receives READY and GUILD_CREATE, and gets heartbeat ACKs', async () => {
    const m = await connect();
    let acks = 0;
    m.on(WebSocketShardEvents.HeartbeatComplete, () => void acks++);
    await m.connect();
    await until(() => acks >= 2, 3_000);
    expect(received.slice(0, 2)).toEqual([
      { t: 'READY', s: 1 },
      { t: 'GUILD_CREATE', s: 2 },
    ]);
    expect(h.gateway.stats()).toMatchObject({ identifies: 1, resumes: 0, connections: 1 });
  });

  it('gateway.drop: reconnects to resume_gateway_url and RESUMEs without losing a dispatch', async () => {
    await connectAndWaitForGuild();
    expect(h.gateway.injectFault({ kind: 'gateway.drop' })).toBe(1);
    moveAliceAndBob();
    await until(() => resumedCount === 1 && voiceUpdates() === 3, 5_000);
    expectGaplessSequence();
    expect(received.at(-1)?.t).toBe('RESUMED');
    expect(h.gateway.stats()).toMatchObject({ identifies: 1, resumes: 1, connections: 1 });
  });

  it('gateway.zombie: notices the missing ACKs, closes, and RESUMEs', async () => {
    await connectAndWaitForGuild();
    expect(h.gateway.injectFault({ kind: 'gateway.zombie' })).toBe(1);
    moveAliceAndBob();
    await until(() => resumedCount === 1 && voiceUpdates() === 3, 5_000);
    expectGaplessSequence();
    expect(h.gateway.stats()).toMatchObject({ identifies: 1, resumes: 1, connections: 1 });
  });

  it('gateway.reconnect: op 7 makes it close and RESUME', async () => {
    await connectAndWaitForGuild();
    expect(h.gateway.injectFault({ kind: 'gateway.reconnect' })).toBe(1);
    moveAliceAndBob();
    await until(() => resumedCount === 1 && voiceUpdates() === 3, 5_000);
    expectGaplessSequence();
    expect(h.gateway.stats()).toMatchObject({ identifies: 1, resumes: 1, connections: 1 });
  });

  it('gateway.invalidSession (resumable): RESUMEs on the same socket', async () => {
    await connectAndWaitForGuild();
    expect(h.gateway.injectFault({ kind: 'gateway.invalidSession', resumable: true })).toBe(1);
    moveAliceAndBob();
    await until(() => resumedCount === 1 && voiceUpdates() === 3, 5_000);
    expectGaplessSequence();
    expect(h.gateway.stats()).toMatchObject({ identifies: 1, resumes: 1 });
  });

  it('gateway.invalidSession (not resumable): IDENTIFYs again and gets a fresh GUILD_CREATE with current voice', async () => {
    await connectAndWaitForGuild();
    expect(h.gateway.injectFault({ kind: 'gateway.invalidSession' })).toBe(1);
    moveAliceAndBob();
    await until(() => received.filter((r) => r.t === 'GUILD_CREATE').length === 2, 5_000);
    expect(received.slice(-2)).toEqual([
      { t: 'READY', s: 1 },
      { t: 'GUILD_CREATE', s: 2 },
    ]);
    expect(h.gateway.stats()).toMatchObject({ identifies: 2, resumes: 0, connections: 1 });
    expect(h.gateway.stats().sessions).toHaveLength(1);
    // The changes made while the session was dead are not replayed; the new snapshot carries them.
    const bob = h.state.findUser('bob')?.id;
    expect(lastGuildCreate?.voice_states?.map((v) => v.user_id)).toEqual([bob]);
  });

  it('forgetSessions + drop: the RESUME is refused and it IDENTIFYs again', async () => {
    await connectAndWaitForGuild();
    h.gateway.forgetSessions();
    h.gateway.injectFault({ kind: 'gateway.drop' });
    await until(() => received.filter((r) => r.t === 'READY').length === 2, 5_000);
    expect(h.gateway.stats()).toMatchObject({ identifies: 2, resumes: 0 });
    expect(resumedCount).toBe(0);
  });

  it('a wrong token ends in 4004 and "Authentication failed", without a reconnect loop', async () => {
    const m = await connect('wrong-token');
    const closes: number[] = [];
    m.on(WebSocketShardEvents.Closed, (code: number) => void closes.push(code));
    void m.connect().catch(() => {});
    await until(() => errors.length > 0, 3_000);
    expect(errors[0]?.message).toBe('Authentication failed');
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(closes.filter((c) => c === 4004)).toHaveLength(1);
    expect(h.gateway.stats().identifies).toBe(0);
  });
});
