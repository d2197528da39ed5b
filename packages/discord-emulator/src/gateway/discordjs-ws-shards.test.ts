/**
 * @discordjs/ws (the app's Gateway client) against an emulator with three guilds and two
 * recommended shards: it reads the shard count from GET /gateway/bot, each shard gets the guilds
 * `(guild_id >> 22) % 2` gives it, and a guild's events reach only its shard. Real time: the
 * library heartbeats on its own clock.
 */
import { REST } from '@discordjs/rest';
import { WebSocketManager, WebSocketShardEvents, type SessionInfo } from '@discordjs/ws';
import { GatewayDispatchEvents, type GatewayDispatchPayload } from 'discord-api-types/v10';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../server.ts';
import { ALL_TEST_INTENTS, until } from './gateway-harness.ts';
import { shardOfGuild } from './sharding.ts';

let emu: EmulatorHandle;
let manager: WebSocketManager;
let received: Array<{ shardId: number; t: string; guildId: string | undefined; d: Record<string, unknown> }>;

beforeEach(async () => {
  emu = await startEmulator({ guilds: 3, recommendedShards: 2, heartbeatIntervalMs: 1_000, rateLimits: 'off' });
  received = [];
  const sessions = new Map<number, SessionInfo>();
  manager = new WebSocketManager({
    token: emu.botToken,
    intents: ALL_TEST_INTENTS,
    rest: new REST({ api: emu.apiUrl }).setToken(emu.botToken),
    // shardCount left unset: the manager asks GET /gateway/bot.
    buildIdentifyThrottler: async () => ({ waitForIdentify: async () => {} }),
    retrieveSessionInfo: (shardId) => sessions.get(shardId) ?? null,
    updateSessionInfo: (shardId, info) => {
      if (info) sessions.set(shardId, info);
      else sessions.delete(shardId);
    },
  });
  manager.on(WebSocketShardEvents.Dispatch, (payload: GatewayDispatchPayload, shardId: number) => {
    const d = payload.d as Record<string, unknown>;
    const guildId = typeof d.guild_id === 'string' ? d.guild_id : typeof d.id === 'string' && payload.t.startsWith('GUILD_') ? d.id : undefined;
    received.push({ shardId, t: payload.t, guildId, d });
  });
  await manager.connect();
  await until(() => received.filter((r) => r.t === GatewayDispatchEvents.GuildCreate).length === 3, 5_000);
});
afterEach(async () => {
  await manager.destroy();
  await emu.close();
});

const of = (t: string, shardId?: number) => received.filter((r) => r.t === t && (shardId === undefined || r.shardId === shardId));

it('runs the recommended two shards, each with READY and GUILD_CREATE for exactly its guilds', async () => {
  expect(await manager.getShardCount()).toBe(2);
  for (const shardId of [0, 1]) {
    const mine = emu.guildIds.filter((id) => shardOfGuild(id, 2) === shardId);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    const [ready] = of(GatewayDispatchEvents.Ready, shardId);
    expect(ready?.d.shard).toEqual([shardId, 2]);
    expect((ready?.d.guilds as Array<{ id: string }>).map((g) => g.id)).toEqual(mine);
    expect(of(GatewayDispatchEvents.GuildCreate, shardId).map((r) => r.guildId)).toEqual(mine);
  }
});

it("delivers a guild's voice events and its GUILD_DELETE to its shard only", async () => {
  for (const guildId of emu.guildIds) {
    const lounge = emu.state.channels(guildId).find((c) => c.name === 'Lounge')?.id ?? '';
    emu.state.setVoiceState(guildId, emu.users.alice.id, { channelId: lounge });
  }
  await until(() => of(GatewayDispatchEvents.VoiceStateUpdate).length === 3);
  for (const r of of(GatewayDispatchEvents.VoiceStateUpdate)) expect(r.shardId).toBe(shardOfGuild(r.guildId ?? '', 2));

  const removed = emu.guildIds[1] ?? '';
  emu.state.setBotMembership(removed, false);
  await until(() => of(GatewayDispatchEvents.GuildDelete).length === 1);
  expect(of(GatewayDispatchEvents.GuildDelete)).toEqual([
    { shardId: shardOfGuild(removed, 2), t: GatewayDispatchEvents.GuildDelete, guildId: removed, d: { id: removed } },
  ]);
});
