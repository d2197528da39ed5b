import { ShardedGateway, readGatewayBot, shardOfGuild } from '@repo/discord-gateway';
import { DiscordRestClient } from '@repo/discord-rest';
import { type EmulatorHandle, startEmulator } from '@repo/discord-emulator';
import { FakeClock } from '@repo/platform/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../src/server/auth/session.ts';
import { AppError } from '../src/server/errors.ts';
import { GuildAccess } from '../src/server/guilds/guild-access.ts';
import { UserGuilds } from '../src/server/guilds/user-guilds.ts';
import { GuildEvents } from '../src/server/guilds/guild-events.ts';
import { GuildOutages } from '../src/server/guilds/guild-outages.ts';
import { GuildPlaces } from '../src/server/guilds/guild-places.ts';
import { MemoryGuildRegistry } from '../src/server/guilds/guild-registry.ts';
import { GuildRooms } from '../src/server/guilds/guild-rooms.ts';
import { GuildService } from '../src/server/guilds/guild-service.ts';
import { MemoryGuildSettingsStore, settingsWithDefaults } from '../src/server/guilds/guild-settings.ts';
import { ALL_TOPIC, MemoryEventBus } from '../src/server/realtime/event-bus.ts';
import { Hub } from '../src/server/realtime/hub.ts';
import { GatewayRouter } from '../src/server/rooms/gateway-router.ts';
import { InviteTokens } from '../src/server/rooms/invite-token.ts';
import { roomTopic } from '../src/server/rooms/room-events.ts';
import { RoomService } from '../src/server/rooms/room-service.ts';
import { MemoryRoomStore } from '../src/server/rooms/room-store.ts';
import { openTab } from './hub-tab.ts';

/**
 * Issue 17's "against the emulator with 3 guilds and 2 recommended shards", in memory mode, wired as
 * composition/wire.ts wires it: rooms in guilds 2 and 3, live events from both shards to one
 * browser connection, the bot removed from a guild closing only that guild's rooms, an outage
 * marked delayed and read back when it ends.
 */

const limits = { channelsPerCategory: 50, channelsPerGuild: 500, rolesPerGuild: 250 };
const defaults = { reserveChannels: 5, reserveRoles: 5, homeCategoryId: undefined, ...limits };

let emulator: EmulatorHandle;
let rest: DiscordRestClient;
let gateway: ShardedGateway;
let rooms: RoomService;
/** The app's registry of servers (filled by the Gateway), and each server's rooms as servers come and go. */
const registry = new MemoryGuildRegistry();
let guildRooms: GuildRooms;
let guilds: GuildService;
let hub: Hub;
let g1: string, g2: string, g3: string;
const outages = new GuildOutages();
const store = new MemoryRoomStore(() => Date.now());

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function session(name: string): Session {
  const user = emulator.users[name];
  if (!user) throw new Error(`no test user ${name}`);
  return { userId: user.id, username: user.username, globalName: user.global_name ?? null, avatar: user.avatar ?? null, accessToken: 'unused', refreshToken: 'unused', accessTokenExpiresAt: Number.MAX_SAFE_INTEGER };
}

/** One browser connection (the hub takes the user id as its token) watching several rooms. */
async function browser(userId: string, roomIds: string[]): Promise<Array<{ event?: string; payload?: Record<string, unknown> }>> {
  return openTab(hub, `conn-${userId}`, userId, roomIds);
}

async function voice(userId: string, guildId: string, channelId: string | null): Promise<void> {
  const res = await fetch(`${emulator.url}/_emulator/voice`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, guildId, channelId }) });
  if (!res.ok) throw new Error(`voice control answered ${res.status}: ${await res.text()}`);
}

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, heartbeatIntervalMs: 1_000, rateLimits: 'off', guilds: 3, recommendedShards: 2 });
  [g1, g2, g3] = emulator.guildIds as [string, string, string];
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const clock = new FakeClock({ startMs: Date.UTC(2026, 10, 25, 12) });
  rest = new DiscordRestClient({ botToken: emulator.botToken, apiBaseUrl: emulator.apiUrl, maxRateLimitWaitMs: 60_000 });
  // The shard count as the app takes it: Discord's recommendation (DISCORD_SHARD_COUNT=auto).
  const { shards } = await readGatewayBot({ token: emulator.botToken, restBaseUrl: emulator.apiUrl });
  gateway = new ShardedGateway({ token: emulator.botToken, guildIds: [], restBaseUrl: emulator.apiUrl, shardCount: shards });
  const botUserId = (await rest.getBotUser()).id;
  const settings = new MemoryGuildSettingsStore();
  const settingsOf = (id: string) => settingsWithDefaults(settings, id, { homeGuildId: g1, ...defaults });
  const places = new GuildPlaces({ rest, gateway: gateway.inventory, botUserId, clock, limits, settingsOf, log });
  guilds = new GuildService({ homeGuildId: g1, registry, settings, access: new GuildAccess({ rest, clock, ttlMs: 0 }), userGuilds: new UserGuilds({ rest, clock }), rest, defaults, capacityOf: (id) => places.capacityOf(id), log });
  const bus = new MemoryEventBus();
  const home = await places.get(g1);
  rooms = new RoomService({
    store,
    discord: home.discord,
    discordOf: (id) => places.get(id).then((p) => p.discord),
    voice: gateway.cache,
    bus,
    invites: new InviteTokens('many-servers-test-secret-0123456789abcdef'),
    guildId: g1,
    admission: (session, guildId) => guilds.admission(session, guildId),
    publicUrl: new URL('http://app.test'),
    cdnUrl: emulator.url,
    clock,
    log,
  });
  hub = new Hub({
    log,
    clock,
    verifyToken: async (token) => token,
    streamTopic: roomTopic,
    viewAccess: (roomId, userId) => rooms.viewAccess(roomId, userId),
    snapshot: (roomId) => rooms.snapshot(roomId),
    gatewayStatus: () => ({ live: true, state: 'CONNECTED', unavailableGuilds: outages.list() }),
  });
  // As wire.ts: a published outage change is applied to this instance's list, which browsers get.
  bus.subscribe((m) => hub.deliver(m.event === 'gateway.status' && m.payload.outage ? { ...m, payload: outages.received(m.payload) } : m));
  bus.onRevocation((r) => hub.revoke(r));
  guildRooms = new GuildRooms({ rooms, places, rest, settingsOf, clock, log });
  const events = new GuildEvents({
    registry,
    places,
    outages: { list: outages, publish: (outage) => bus.publish(ALL_TOPIC, 'gateway.status', { live: true, state: 'CONNECTED', outage }) },
    onRemoved: async (id) => void (await guildRooms.closeAll(id)),
    onReturned: async (id) => void (await guildRooms.readBack(id)),
    shardOf: (id) => shardOfGuild(id, shards),
    log,
  });
  const router = new GatewayRouter(rooms, { noteActivity: async () => undefined }, log);
  gateway.on('*', (event) => void (GuildEvents.handles(event) ? events.handle(event) : router.handle(event)));
  await gateway.start();
  await until(async () => (await registry.list()).length === 3 && [g1, g2, g3].every((id) => gateway.cache.isReady(id)), 'every guild ready');
});

afterAll(async () => {
  hub?.closeAll();
  await gateway?.stop();
  rest?.close();
  await emulator?.close();
});

describe('rooms in any server, over two shards', () => {
  let two: string, three: string;
  let twoChannel: string, threeChannel: string;

  it('makes rooms in guilds 2 and 3: channel, role and the host’s role in that guild; capacity counted there', async () => {
    expect(shards()).toEqual([2, 2]);
    // Guilds 2 and 3 sit on different shards: the live test below hears both.
    expect(shardOfGuild(g2, 2)).not.toBe(shardOfGuild(g3, 2));
    const alice = session('alice');
    for (const [guildId, name] of [[g2, 'In guild two'], [g3, 'In guild three']] as const) {
      expect((await guilds.assertCanCreate(alice.userId, guildId)).guildId).toBe(guildId);
      const { room } = await rooms.create(alice, name, guildId);
      expect(room.guildId).toBe(guildId);
      const state = emulator.state;
      expect(state.channelPayload(room.channelId)).toMatchObject({ guild_id: guildId, name });
      expect(state.guild(guildId).roles.has(room.roleId)).toBe(true);
      expect(state.guild(guildId).members.get(alice.userId)?.roles).toContain(room.roleId);
      // The home server holds nothing of it.
      expect(state.guild(g1).roles.has(room.roleId)).toBe(false);
      if (guildId === g2) [two, twoChannel] = [room.id, room.channelId];
      else [three, threeChannel] = [room.id, room.channelId];
    }
    expect((await rooms.listForUser(alice.userId)).map((r) => [r.name, r.guildId])).toEqual([
      ['In guild three', g3],
      ['In guild two', g2],
    ]);
  });

  it('seats an invitee who is in that server with the role in that server', async () => {
    const room = (await rooms.get(two))!;
    const joined = await rooms.redeem(session('bob'), new URL(await rooms.inviteUrl(room, 'player')).pathname.split('/').at(-1)!);
    expect(joined.players).toContain(emulator.users.bob!.id);
    expect(emulator.state.guild(g2).members.get(emulator.users.bob!.id)?.roles).toContain(room.roleId);
  });

  it('refuses a non-member (403) and a server where rooms are off (403) before anything is made', async () => {
    const heidi = session('heidi');
    await expect(guilds.assertCanCreate(heidi.userId, g2)).rejects.toMatchObject({ status: 403, options: { reason: 'not_a_member' } });
    await expect(guilds.assertCanCreate(heidi.userId, '100000000000000000')).rejects.toBeInstanceOf(AppError);
  });

  it('an invitee who is not in the server is told to join it first, or added with guilds.join once its admins allow it', async () => {
    const heidi = { ...session('heidi'), accessToken: emulator.state.oauth.issueTokens(emulator.users.heidi!.id, ['identify', 'guilds.join']).accessToken };
    const room = (await rooms.get(two))!;
    const token = new URL(await rooms.inviteUrl(room, 'player')).pathname.split('/').at(-1)!;
    // Guild 2's default: invitees must already be members.
    const name = (await rest.getGuild(g2)).name;
    await expect(guilds.admission(heidi, g2)).rejects.toMatchObject({ status: 403, options: { reason: 'join_server_first' }, message: `Join ${name} on Discord first, then open this link again.` });
    await expect(rooms.redeem(heidi, token)).rejects.toMatchObject({ status: 403, options: { reason: 'join_server_first' } });
    expect(emulator.state.isMember(g2, heidi.userId)).toBe(false);
    expect((await rooms.get(two))!.players).not.toContain(heidi.userId);
    // The way in: a Discord invite to the server, made by the bot, the same one while it lasts.
    const link = await guilds.joinLink(g2, 'https://discord.gg');
    expect(link).toEqual({ name, url: expect.stringMatching(/^https:\/\/discord\.gg\/[A-Za-z0-9]{10}$/) });
    expect(await guilds.joinLink(g2, 'https://discord.gg')).toEqual(link);
    expect(await guilds.joinLink('100000000000000000', 'https://discord.gg')).toBeNull();
    await guilds.updateSettings(emulator.users.dave!.id, g2, { addInvitees: true });
    try {
      // Asking adds nobody: the answer is the step that adds them, taken once the seat is theirs.
      const join = await guilds.admission(heidi, g2);
      expect(join).toBeTypeOf('function');
      expect(emulator.state.isMember(g2, heidi.userId)).toBe(false);
      const seated = await rooms.redeem(heidi, token);
      expect(seated.players).toContain(heidi.userId);
      expect(emulator.state.isMember(g2, heidi.userId)).toBe(true);
      expect(emulator.state.guild(g2).members.get(heidi.userId)?.roles).toContain(room.roleId);
      expect(await guilds.admission(heidi, g2)).toBeNull();
    } finally {
      await guilds.updateSettings(emulator.users.dave!.id, g2, { addInvitees: false });
    }
  });

  it('a player refused the seat (the room full) is not added to the server', async () => {
    const room = (await rooms.get(two))!;
    const token = new URL(await rooms.inviteUrl(room, 'player')).pathname.split('/').at(-1)!;
    await rooms.redeem(session('carol'), token);
    expect((await rooms.get(two))!.players).toHaveLength(4);
    const erin = { ...session('erin'), accessToken: emulator.state.oauth.issueTokens(emulator.users.erin!.id, ['identify', 'guilds.join']).accessToken };
    await guilds.updateSettings(emulator.users.dave!.id, g2, { addInvitees: true });
    try {
      await expect(rooms.redeem(erin, token)).rejects.toMatchObject({ status: 409, options: { reason: 'room_full' } });
      expect(emulator.state.isMember(g2, erin.userId)).toBe(false);
      expect((await rooms.get(two))!.players).not.toContain(erin.userId);
    } finally {
      await guilds.updateSettings(emulator.users.dave!.id, g2, { addInvitees: false });
    }
  });

  it('a seat whose guilds.join fails is given back: a spectator stays a spectator, nobody is added', async () => {
    const room = (await rooms.get(three))!;
    const url = async (kind: 'player' | 'spectator') => new URL(await rooms.inviteUrl(room, kind)).pathname.split('/').at(-1)!;
    // frank is not in guild 3; his access token is not one Discord issued (50025 from guilds.join).
    const frank = session('frank');
    expect(emulator.state.isMember(g3, frank.userId)).toBe(false);
    await rooms.redeem(frank, await url('spectator'));
    await guilds.updateSettings(emulator.users.dave!.id, g3, { addInvitees: true });
    try {
      await expect(rooms.redeem(frank, await url('player'))).rejects.toMatchObject({ code: 50025 });
      const after = (await rooms.get(three))!;
      expect(after.players).toEqual([emulator.users.alice!.id]);
      expect(after.spectators).toContain(frank.userId);
      expect(emulator.state.isMember(g3, frank.userId)).toBe(false);
    } finally {
      await guilds.updateSettings(emulator.users.dave!.id, g3, { addInvitees: false });
    }
  });

  it('delivers live voice events from both shards to one browser', async () => {
    const alice = emulator.users.alice!.id;
    const frames = await browser(alice, [two, three]);
    await until(() => frames.filter((f) => f.event === 'room.snapshot').length === 2, 'both snapshots');
    await voice(alice, g2, twoChannel);
    await voice(alice, g3, threeChannel);
    await until(() => frames.filter((f) => f.event === 'voice.joined').length === 2, 'a join from each shard');
    expect(frames.filter((f) => f.event === 'voice.joined').map((f) => f.payload?.roomId).sort()).toEqual([two, three].sort());
    await voice(alice, g2, null);
    await voice(alice, g3, null);
  });

  it('the bot removed from guild 3 closes only guild 3’s rooms, telling their viewers, without asking Discord', async () => {
    const frames = await browser(emulator.users.alice!.id, [two, three]);
    await until(() => frames.filter((f) => f.event === 'room.snapshot').length === 2, 'both snapshots');
    emulator.state.setBotMembership(g3, false);
    await until(async () => (await rooms.get(three)) === null, 'the guild 3 room closed');
    await until(() => frames.some((f) => f.event === 'room.deleted'), 'viewers told');
    expect(frames.filter((f) => f.event === 'room.deleted').map((f) => [f.payload?.roomId, f.payload?.reason])).toEqual([[three, 'bot_removed']]);
    expect(await rooms.get(two)).not.toBeNull();
    // Nothing was asked of Discord for it: the channel is still there (the bot cannot delete it any more).
    expect(emulator.state.channelPayload(threeChannel)).toMatchObject({ guild_id: g3 });
    emulator.state.setBotMembership(g3, true);
  });

  it('an outage of guild 2 marks it delayed for browsers; its return reads the server back (a channel deleted meanwhile closes its room)', async () => {
    const frames = await browser(emulator.users.alice!.id, [two]);
    await until(() => frames.some((f) => f.event === 'room.snapshot'), 'the snapshot');
    emulator.state.setGuildAvailability(g2, false);
    await until(() => frames.some((f) => f.event === 'gateway.status' && (f.payload?.unavailableGuilds as string[] | undefined)?.includes(g2)), 'the outage told');
    expect(outages.list()).toEqual([g2]);
    // A browser connecting now hears of it at once.
    const late = await browser(emulator.users.bob!.id, [two]);
    expect(late.find((f) => f.event === 'gateway.status')?.payload).toMatchObject({ unavailableGuilds: [g2] });
    // During the outage the room's channel goes; Discord tells the bot nothing about it until the guild returns.
    emulator.state.deleteChannel(twoChannel);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await rooms.get(two)).not.toBeNull();
    emulator.state.setGuildAvailability(g2, true);
    await until(async () => (await rooms.get(two)) === null, 'the read-back closed the room');
    await until(() => frames.some((f) => f.event === 'gateway.status' && (f.payload?.unavailableGuilds as string[] | undefined)?.length === 0), 'the end of the outage told');
    expect(frames.find((f) => f.event === 'room.deleted')?.payload).toMatchObject({ roomId: two, reason: 'channel_deleted' });
    expect(outages.list()).toEqual([]);
  });

  it('after a restart with every instance down: every server with stored rooms is read back, and a server left meanwhile goes with its shard\'s READY', async () => {
    const alice = session('alice');
    const inTwo = (await rooms.create(alice, 'Two, restarted', g2)).room;
    const inThree = (await rooms.create(alice, 'Three, restarted', g3)).room;
    const frames = await browser(alice.userId, [inThree.id]);
    await until(() => frames.some((f) => f.event === 'room.snapshot'), 'the snapshot');
    // "Down": no Gateway session hears what Discord does now.
    await gateway.stop();
    emulator.state.deleteChannel(inTwo.channelId);
    emulator.state.setBotMembership(g3, false);
    try {
      // The start's read-back (start.ts step 4): every known server but the home one, from REST alone.
      expect(await guildRooms.readBackStored(async (id) => (await registry.get(id)) !== null, g1)).toEqual([g2]);
      expect(await rooms.get(inTwo.id)).toBeNull();
      expect(await rooms.get(inThree.id)).not.toBeNull();
      // The new sessions' READY lists guild 3 on no shard: it is removed, its rooms closed and their viewers told.
      await gateway.start();
      await until(async () => (await registry.get(g3)) === null, 'guild 3 dropped on READY');
      await until(async () => (await rooms.get(inThree.id)) === null, 'its room closed');
      expect(frames.find((f) => f.event === 'room.deleted')?.payload).toMatchObject({ roomId: inThree.id, reason: 'bot_removed' });
      expect((await registry.list()).map((g) => g.id)).toEqual([g1, g2]);
    } finally {
      emulator.state.setBotMembership(g3, true);
    }
  });
});

function shards(): [number, number] {
  return [gateway.shardCount, gateway.activeShardIds().length];
}

describe('Discord’s 100-servers cap on guilds.join', () => {
  it('answers 30001 as a clear 409 and adds nobody', async () => {
    const big = await startEmulator({ port: 0, rateLimits: 'off', guilds: 101 });
    const bigRest = new DiscordRestClient({ botToken: big.botToken, apiBaseUrl: big.apiUrl, maxRateLimitWaitMs: 60_000 });
    try {
      const log = pino({ level: 'silent' });
      const clock = new FakeClock({ startMs: Date.UTC(2026, 10, 25, 12) });
      const registry = new MemoryGuildRegistry();
      const settings = new MemoryGuildSettingsStore();
      const last = big.guildIds.at(-1)!;
      await registry.available({ id: last, name: 'The 101st' });
      await settings.put(last, { roomsEnabled: true, categoryId: null, addInvitees: true, reserve: { channels: 5, roles: 5 } });
      const service = new GuildService({ homeGuildId: big.guildId, registry, settings, access: new GuildAccess({ rest: bigRest, clock, ttlMs: 0 }), userGuilds: new UserGuilds({ rest: bigRest, clock }), rest: bigRest, defaults, capacityOf: async () => { throw new Error('not asked'); }, log });
      const heidi = big.users.heidi!.id;
      // In exactly 100 servers, none of them the 101st.
      for (const id of big.guildIds.slice(0, 100)) if (!big.state.isMember(id, heidi)) big.state.addMember(id, heidi);
      expect(big.state.guildCountOf(heidi)).toBe(100);
      const accessToken = big.state.oauth.issueTokens(heidi, ['identify', 'guilds.join']).accessToken;
      const join = await service.admission({ userId: heidi, accessToken }, last);
      await expect(join!()).rejects.toMatchObject({ status: 409, options: { reason: 'too_many_servers' } });
      expect(big.state.isMember(last, heidi)).toBe(false);
      // One server left: the same link adds them.
      big.state.removeMember(big.guildIds[0]!, heidi);
      await join!();
      expect(big.state.isMember(last, heidi)).toBe(true);
      expect(await service.admission({ userId: heidi, accessToken }, last)).toBeNull();
    } finally {
      bigRest.close();
      await big.close();
    }
  });
});
