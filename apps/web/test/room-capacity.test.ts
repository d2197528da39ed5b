import type { EmulatorOptions } from '@repo/discord-emulator';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../src/server/auth/session.ts';
import { AppError, toErrorResponse } from '../src/server/errors.ts';
import { Metrics } from '../src/server/metrics.ts';
import { type CapacityLimits, ROOMS_FULL_MESSAGE } from '../src/server/rooms/guild-capacity.ts';
import { reconcileRooms } from '../src/server/rooms/reconcile.ts';
import type { CreatedRoom } from '../src/server/rooms/room-service.ts';
import { MemoryRoomStore } from '../src/server/rooms/room-store.ts';
import { type DiscordState, type RoomsHarness, roomsHarness } from './rooms-harness.ts';
import { appErrorOf } from './app-error.ts';

/**
 * Rooms within Discord's limits (issue 14), against the emulator with its limits lowered: rooms
 * spill into further categories, a full server is refused with 503 before Discord is touched, a
 * refusal by Discord itself (an admin raced us) is undone, and nothing is ever left behind.
 */

let h: RoomsHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(emulator: EmulatorOptions, capacity: Partial<CapacityLimits>): Promise<RoomsHarness> {
  // 30 generated members (user0001…) so that many creators stay within 3 open rooms each.
  h = await roomsHarness({ extraUsers: 30, ...emulator }, { capacity });
  return h;
}

function sessionOf(harness: RoomsHarness, username: string): Session {
  const user = harness.emulator.state.findUser(username);
  if (!user) throw new Error(`no user ${username}`);
  return { userId: user.id, username: user.username, globalName: user.global_name ?? null, avatar: user.avatar ?? null, accessToken: 'unused', refreshToken: 'unused', accessTokenExpiresAt: Number.MAX_SAFE_INTEGER };
}

const creator = (harness: RoomsHarness, i: number) => sessionOf(harness, `user${String(Math.floor(i / 3) + 1).padStart(4, '0')}`);

/** Creates rooms one after the other, the i-th by creator(i) (three each, the per-user bound). */
async function createRooms(harness: RoomsHarness, count: number, from = 0): Promise<CreatedRoom[]> {
  const created: CreatedRoom[] = [];
  for (let i = from; i < from + count; i++) created.push(await harness.rooms.create(creator(harness, i), `Room ${i + 1}`));
  return created;
}

const categoriesOf = (state: DiscordState) => state.channels.filter((c) => c.type === 4);
const childrenOf = (state: DiscordState, categoryId: string) => state.channels.filter((c) => c.parent_id === categoryId);
const categoryNamed = (state: DiscordState, name: string) => categoriesOf(state).find((c) => c.name === name);

const refusal = (promise: Promise<unknown>) => appErrorOf(promise, 'expected the create to be refused');

async function expectRoomsFull(error: AppError): Promise<void> {
  expect(error.kind).toBe('unavailable');
  expect(error.options).toMatchObject({ retryable: true, reason: 'rooms_full' });
  // What the browser gets (the create form shows the message as it is).
  const response = toErrorResponse(error, pino({ level: 'silent' }));
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toBe('300');
  expect(await response.json()).toMatchObject({ error: { kind: 'unavailable', message: ROOMS_FULL_MESSAGE, retryAfterSeconds: 300 } });
}

/** What a refused create must leave unchanged in Discord. */
const footprint = (state: DiscordState) => ({
  roles: state.roles.map((r) => r.id).sort(),
  channels: state.channels.map((c) => `${c.id}:${c.parent_id}`).sort(),
  memberRoles: state.members.map((m) => `${m.userId}:${[...m.roles].sort().join(',')}`).sort(),
});

function requestCount(harness: RoomsHarness, route: string): number {
  return harness.emulator.state.requestCounts.get(route) ?? 0;
}

describe('category spill-over', () => {
  it('fills "Spell Rooms" to the per-category limit, then "Spell Rooms 2", "Spell Rooms 3" (with the first one’s overwrites); empty extras go, the first stays', async () => {
    const harness = await start({ limits: { channelsPerCategory: 5 } }, { channelsPerCategory: 5 });
    const someone = sessionOf(harness, 'user0030').userId;
    // An overwrite an admin put on the rooms category: the extra categories get it too.
    await harness.rest.editChannel(harness.categoryId, { permissionOverwrites: [{ id: someone, type: 'member', allow: 1024n, deny: 0n }] });

    const rooms = await createRooms(harness, 11);
    const state = await harness.discordState();
    const second = categoryNamed(state, 'Spell Rooms 2')!;
    const third = categoryNamed(state, 'Spell Rooms 3')!;
    expect(childrenOf(state, harness.categoryId).map((c) => c.name)).toEqual(['Room 1', 'Room 2', 'Room 3', 'Room 4', 'Room 5']);
    expect(childrenOf(state, second.id).map((c) => c.name)).toEqual(['Room 6', 'Room 7', 'Room 8', 'Room 9', 'Room 10']);
    expect(childrenOf(state, third.id).map((c) => c.name)).toEqual(['Room 11']);
    for (const category of [second, third]) {
      expect(category.permission_overwrites).toEqual([{ id: someone, type: 1, allow: '1024', deny: '0' }]);
    }
    expect(categoriesOf(state).filter((c) => c.name?.startsWith('Spell Rooms'))).toHaveLength(3);

    // Closing the only room of "Spell Rooms 3" removes it; "Spell Rooms 2" stays while it holds one.
    const close = (i: number) => harness.rooms.closeByUser(creator(harness, i), rooms[i]!.room.id);
    await close(10);
    expect(categoryNamed(await harness.discordState(), 'Spell Rooms 3')).toBeUndefined();
    for (const i of [5, 6, 7, 8]) await close(i);
    expect(childrenOf(await harness.discordState(), second.id)).toHaveLength(1);
    expect(categoryNamed(await harness.discordState(), 'Spell Rooms 2')).toBeDefined();
    await close(9);
    expect(categoryNamed(await harness.discordState(), 'Spell Rooms 2')).toBeUndefined();
    for (const i of [0, 1, 2, 3, 4]) await close(i);
    const after = await harness.discordState();
    expect(categoriesOf(after).find((c) => c.id === harness.categoryId)).toBeDefined();
    expect(childrenOf(after, harness.categoryId)).toEqual([]);

    // The next room goes back to the first category, and the next extra is "Spell Rooms 2" again.
    await harness.waitFor(() => harness.gateway.inventory.channelsUnder(harness.emulator.guildId, harness.categoryId) === 0, 'the cache to see the deletes');
    await createRooms(harness, 6, 12);
    const again = await harness.discordState();
    expect(childrenOf(again, harness.categoryId)).toHaveLength(5);
    expect(childrenOf(again, categoryNamed(again, 'Spell Rooms 2')!.id).map((c) => c.name)).toEqual(['Room 18']);
  });

  it('makes one "Spell Rooms 2" for creates that arrive together, and fills it', async () => {
    const harness = await start({ limits: { channelsPerCategory: 5 } }, { channelsPerCategory: 5 });
    await createRooms(harness, 5);
    const together = await Promise.all(Array.from({ length: 7 }, (_, k) => harness.rooms.create(creator(harness, 5 + k * 3), `Together ${k}`)));
    expect(new Set(together.map((r) => r.room.channelId)).size).toBe(7);
    const state = await harness.discordState();
    const extras = categoriesOf(state).filter((c) => /^Spell Rooms \d+$/.test(c.name ?? ''));
    expect(extras.map((c) => c.name).sort()).toEqual(['Spell Rooms 2', 'Spell Rooms 3']);
    expect(childrenOf(state, categoryNamed(state, 'Spell Rooms 2')!.id)).toHaveLength(5);
    expect(childrenOf(state, categoryNamed(state, 'Spell Rooms 3')!.id)).toHaveLength(2);
  });

  it('reuses an extra category that someone else made (another instance), by its name', async () => {
    const harness = await start({ limits: { channelsPerCategory: 5 } }, { channelsPerCategory: 5 });
    await createRooms(harness, 5);
    const theirs = await harness.rest.createCategory(harness.emulator.guildId, { name: 'Spell Rooms 2' });
    await harness.waitFor(() => harness.gateway.inventory.channel(harness.emulator.guildId, theirs.id) !== null, 'CHANNEL_CREATE');
    const room = await harness.rooms.create(creator(harness, 5), 'Sixth');
    const state = await harness.discordState();
    expect(state.channels.find((c) => c.id === room.room.channelId)?.parent_id).toBe(theirs.id);
    expect(categoriesOf(state).filter((c) => c.name === 'Spell Rooms 2')).toHaveLength(1);
  });

  it('after a restart, adopts rooms under every managed category and removes empty extras; categories merely named alike are left alone', async () => {
    const harness = await start({ limits: { channelsPerCategory: 5 } }, { channelsPerCategory: 5 });
    const rooms = await createRooms(harness, 7);
    const guildId = harness.emulator.guildId;
    const leftover = await harness.rest.createCategory(guildId, { name: 'Spell Rooms 4' });
    const lookAlikes = [
      await harness.rest.createCategory(guildId, { name: 'Spell Rooms archive' }),
      await harness.rest.createCategory(guildId, { name: 'Spell Rooms 02' }),
      await harness.rest.createCategory(guildId, { name: 'Spell Rooms 1' }),
    ];
    // A voice channel in a look-alike category is not a room, even with a room-like role.
    const outsider = await harness.rest.createVoiceChannel(guildId, { name: 'Not ours', userLimit: 4, parentId: lookAlikes[0]!.id, permissionOverwrites: [{ id: rooms[0]!.room.roleId, type: 'role', allow: 1_048_576n }] });

    const store = new MemoryRoomStore(() => harness.clock.now());
    const result = await reconcileRooms({ rooms: harness.restart(store), discord: harness.roomDiscord, clock: harness.clock, log: pino({ level: 'silent' }) });
    expect(result.restored.sort()).toEqual(rooms.map((r) => r.room.id).sort());
    expect((await store.list()).map((r) => r.channelId).sort()).toEqual(rooms.map((r) => r.room.channelId).sort());
    expect(result.removedCategories).toEqual([leftover.id]);
    const state = await harness.discordState();
    expect(state.channels.some((c) => c.id === leftover.id)).toBe(false);
    for (const c of lookAlikes) expect(state.channels.some((x) => x.id === c.id)).toBe(true);
    expect(state.channels.some((c) => c.id === outsider.id)).toBe(true);
  });
});

describe('capacity: refused before Discord is touched', () => {
  it('creates the last room the role reserve allows, refuses the next with 503 + Retry-After, and leaves Discord as it was', async () => {
    const harness = await start({ limits: { rolesPerGuild: 20 } }, { rolesPerGuild: 20, reserveRoles: 5 });
    const rolesAtStart = (await harness.discordState()).roles.length;
    const fits = 15 - rolesAtStart;
    expect((await harness.placement.status()).roomsAvailable).toBe(fits);
    await createRooms(harness, fits - 1);
    expect((await harness.placement.status()).roomsAvailable).toBe(1);
    const last = await harness.rooms.create(creator(harness, fits - 1), 'The last one');
    expect((await harness.placement.status()).roomsAvailable).toBe(0);

    const before = await harness.discordState();
    const roleCreates = requestCount(harness, 'POST /guilds/:id/roles');
    const channelCreates = requestCount(harness, 'POST /guilds/:id/channels');
    await expectRoomsFull(await refusal(harness.rooms.create(creator(harness, fits), 'One too many')));
    expect(footprint(await harness.discordState())).toEqual(footprint(before));
    expect(requestCount(harness, 'POST /guilds/:id/roles')).toBe(roleCreates);
    expect(requestCount(harness, 'POST /guilds/:id/channels')).toBe(channelCreates);
    expect(before.roles).toHaveLength(15);

    // Closing a room gives its slot back.
    await harness.rooms.closeByUser(creator(harness, fits - 1), last.room.id);
    await harness.waitFor(() => harness.gateway.inventory.roleCount(harness.emulator.guildId) === 14, 'GUILD_ROLE_DELETE');
    await harness.rooms.create(creator(harness, fits), 'Room again');
  });

  it('counts the category a room needs: with one channel left and every category full, it is refused', async () => {
    // 14 channels, 4 kept free: 10 usable. The guild starts with 3 channels and the rooms category.
    const harness = await start({ limits: { channelsPerCategory: 5, channelsPerGuild: 14 } }, { channelsPerCategory: 5, channelsPerGuild: 14, reserveChannels: 4 });
    expect((await harness.discordState()).channels).toHaveLength(4);
    await createRooms(harness, 5);
    expect((await harness.placement.status()).channels).toEqual({ used: 9, limit: 14, reserve: 4 });
    // One channel is free within the reserve, but the next room needs a category too.
    expect((await harness.placement.status()).roomsAvailable).toBe(0);
    const before = await harness.discordState();
    await expectRoomsFull(await refusal(harness.rooms.create(creator(harness, 5), 'Needs a category')));
    expect(footprint(await harness.discordState())).toEqual(footprint(before));
  });

  it('creates the last room that fits with a new category exactly at the channel edge', async () => {
    // 15 usable: 4 at start + 5 rooms = 9, + category + room = 11, then 4 more rooms = 15 exactly.
    const harness = await start({ limits: { channelsPerCategory: 5, channelsPerGuild: 20 } }, { channelsPerCategory: 5, channelsPerGuild: 20, reserveChannels: 5 });
    await createRooms(harness, 10);
    expect((await harness.placement.status()).channels.used).toBe(15);
    const before = await harness.discordState();
    await expectRoomsFull(await refusal(harness.rooms.create(creator(harness, 10), 'Eleventh')));
    expect(footprint(await harness.discordState())).toEqual(footprint(before));
  });

  it('near 250 roles (Discord’s own limits) refuses clearly and leaves nothing behind', async () => {
    const harness = await start({}, {});
    const guildId = harness.emulator.guildId;
    const start0 = (await harness.discordState()).roles.length;
    // The server's own roles: 243 in all, so two rooms fit under 250 − 5 kept free.
    for (let i = start0; i < 243; i++) harness.emulator.state.createRole(guildId, { name: `server role ${i}` });
    await harness.waitFor(() => harness.gateway.inventory.roleCount(guildId) === 243, 'the roles in the cache');
    expect((await harness.placement.status()).roomsAvailable).toBe(2);
    await createRooms(harness, 2);
    const before = await harness.discordState();
    expect(before.roles).toHaveLength(245);
    await expectRoomsFull(await refusal(harness.rooms.create(creator(harness, 2), 'Role 246')));
    expect(footprint(await harness.discordState())).toEqual(footprint(before));
  });

  it('with no reserve, takes Discord’s 250th role and refuses the 251st without asking', async () => {
    const harness = await start({}, { reserveRoles: 0 });
    const guildId = harness.emulator.guildId;
    for (let i = (await harness.discordState()).roles.length; i < 249; i++) harness.emulator.state.createRole(guildId, { name: `server role ${i}` });
    await harness.waitFor(() => harness.gateway.inventory.roleCount(guildId) === 249, 'the roles in the cache');
    await createRooms(harness, 1);
    expect((await harness.discordState()).roles).toHaveLength(250);
    const roleCreates = requestCount(harness, 'POST /guilds/:id/roles');
    await expectRoomsFull(await refusal(harness.rooms.create(creator(harness, 1), 'Role 251')));
    expect(requestCount(harness, 'POST /guilds/:id/roles')).toBe(roleCreates);
  });

  it('opens 60 rooms by 20 creators on Discord’s default limits with no category over 50 channels', async () => {
    const harness = await start({}, {});
    const rooms = await createRooms(harness, 60);
    expect(new Set(rooms.map((r) => r.room.channelId)).size).toBe(60);
    const state = await harness.discordState();
    const managed = categoriesOf(state).filter((c) => c.id === harness.categoryId || /^Spell Rooms \d+$/.test(c.name ?? ''));
    expect(managed.map((c) => [c.name, childrenOf(state, c.id).length])).toEqual([
      ['Spell Rooms', 50],
      ['Spell Rooms 2', 10],
    ]);
    for (const c of categoriesOf(state)) expect(childrenOf(state, c.id).length).toBeLessThanOrEqual(50);
    const status = await harness.placement.status();
    // 4 + 60 rooms + 1 category = 65 channels; 2 + 60 roles.
    expect(status).toMatchObject({ source: 'gateway', channels: { used: 65, limit: 500, reserve: 5 }, roles: { used: 62, limit: 250, reserve: 5 }, roomsAvailable: 183 });
  });

  it('shows capacity and the invalid-request count as Prometheus gauges, without room or user labels', async () => {
    const harness = await start({ limits: { rolesPerGuild: 20 } }, { rolesPerGuild: 20, reserveRoles: 5 });
    await createRooms(harness, 2);
    const metrics = new Metrics();
    metrics.watch({
      connections: () => 0,
      subscriptions: () => 0,
      rooms: () => harness.store.count(),
      gateway: harness.gateway,
      capacity: () => harness.placement.status(),
      restInvalidRequests: () => harness.rest.invalidRequestCount(),
    });
    await harness.control('faults', { kind: 'rest.status', method: 'GET', route: '/guilds/:id/channels', status: 403, count: 1 });
    await harness.rest.getGuildChannels(harness.emulator.guildId).catch(() => undefined);
    const text = await metrics.registry.metrics();
    const roles = (await harness.discordState()).roles.length;
    expect(text).toContain(`spellrooms_discord_resources_used{resource="roles"} ${roles}`);
    expect(text).toContain('spellrooms_discord_resources_limit{resource="roles"} 20');
    expect(text).toContain(`spellrooms_rooms_available ${15 - roles}`);
    expect(text).toContain('spellrooms_rest_invalid_requests 1');
  });
});

describe('Discord refuses what our counts allowed (an admin raced us): undone, and the same 503', () => {
  /** This instance does not hold the Gateway: it plans from a REST listing, which an admin then makes stale. */
  async function standby(emulator: EmulatorOptions, capacity: Partial<CapacityLimits>): Promise<RoomsHarness> {
    const harness = await start(emulator, capacity);
    await harness.gateway.stop();
    expect((await harness.placement.status()).source).toBe('rest');
    return harness;
  }

  it('counts its own rooms on top of a listing that does not show them yet: spills, and frees slots it closed', async () => {
    const harness = await standby({ limits: { channelsPerCategory: 5 } }, { channelsPerCategory: 5 });
    // The listing is taken once and, on the test's clock, never expires: only our own bookkeeping moves.
    const rooms = await createRooms(harness, 7);
    const state = await harness.discordState();
    expect(childrenOf(state, harness.categoryId)).toHaveLength(5);
    expect(childrenOf(state, categoryNamed(state, 'Spell Rooms 2')!.id)).toHaveLength(2);
    await harness.rooms.closeByUser(creator(harness, 0), rooms[0]!.room.id);
    await createRooms(harness, 1, 7);
    expect(childrenOf(await harness.discordState(), harness.categoryId)).toHaveLength(5);
    expect((await harness.placement.status()).channels.used).toBe((await harness.discordState()).channels.length);
  });

  it('the last role taken behind our back: 30005, nothing to undo', async () => {
    const harness = await standby({ limits: { rolesPerGuild: 20 } }, { rolesPerGuild: 20, reserveRoles: 0 });
    const guildId = harness.emulator.guildId;
    while (harness.emulator.state.roles(guildId).length < 20) harness.emulator.state.createRole(guildId, { name: 'admin' });
    const before = await harness.discordState();
    await expectRoomsFull(await refusal(harness.rooms.create(creator(harness, 0), 'Raced')));
    expect(footprint(await harness.discordState())).toEqual(footprint(before));
    expect(await harness.store.list()).toEqual([]);
  });

  it('the last channel taken behind our back: 30013 after the role was made, so the role is deleted', async () => {
    const harness = await standby({ limits: { channelsPerGuild: 12 } }, { channelsPerGuild: 12, reserveChannels: 0 });
    const guildId = harness.emulator.guildId;
    while (harness.emulator.state.channels(guildId).length < 12) harness.emulator.state.createChannel(guildId, { name: 'admin', type: 0 });
    const before = await harness.discordState();
    await expectRoomsFull(await refusal(harness.rooms.create(creator(harness, 0), 'Raced')));
    expect(footprint(await harness.discordState())).toEqual(footprint(before));
    expect(requestCount(harness, 'DELETE /guilds/:id/roles/:id')).toBe(1);
  });

  it('the last slot of our category taken behind our back: 50035 CHANNEL_PARENT_MAX_CHANNELS, undone', async () => {
    const harness = await standby({ limits: { channelsPerCategory: 5 } }, { channelsPerCategory: 5 });
    await createRooms(harness, 4);
    await harness.placement.status(); // the listing this instance plans from: 4 of 5
    harness.emulator.state.createChannel(harness.emulator.guildId, { name: 'admin', type: 2, parentId: harness.categoryId });
    const before = await harness.discordState();
    await expectRoomsFull(await refusal(harness.rooms.create(creator(harness, 4), 'Raced')));
    expect(footprint(await harness.discordState())).toEqual(footprint(before));
  });

  it('a category made for the room, then the guild full: role and the new category are both undone', async () => {
    // The rooms category is full by our count, and Discord has room for exactly one more channel.
    const harness = await standby({ limits: { channelsPerCategory: 5, channelsPerGuild: 11 } }, { channelsPerCategory: 5, channelsPerGuild: 20, reserveChannels: 0 });
    await createRooms(harness, 5);
    await harness.placement.status();
    harness.emulator.state.createChannel(harness.emulator.guildId, { name: 'admin', type: 0 });
    const before = await harness.discordState();
    expect(before.channels).toHaveLength(10);
    await expectRoomsFull(await refusal(harness.rooms.create(creator(harness, 5), 'Raced')));
    const after = await harness.discordState();
    expect(footprint(after)).toEqual(footprint(before));
    expect(categoryNamed(after, 'Spell Rooms 2')).toBeUndefined();
    expect(requestCount(harness, 'DELETE /channels/:id')).toBe(1);
  });

  it('with the Gateway’s exact counts, a limit lower than ours (Discord’s is what counts) is still a 503 with nothing left', async () => {
    const harness = await start({ limits: { rolesPerGuild: 4 } }, { rolesPerGuild: 250, reserveRoles: 0 });
    const guildId = harness.emulator.guildId;
    while (harness.emulator.state.roles(guildId).length < 4) harness.emulator.state.createRole(guildId, { name: 'admin' });
    await harness.waitFor(() => harness.gateway.inventory.roleCount(guildId) === 4, 'the roles in the cache');
    const before = await harness.discordState();
    await expectRoomsFull(await refusal(harness.rooms.create(creator(harness, 0), 'Raced')));
    expect(footprint(await harness.discordState())).toEqual(footprint(before));
  });
});
