import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reconcileRooms } from '../src/server/rooms/reconcile.ts';
import type { Room } from '../src/server/rooms/room.ts';
import { HOST_MARK, snowflakeTime } from '../src/server/rooms/room-in-discord.ts';
import type { RoomService } from '../src/server/rooms/room-service.ts';
import { MemoryRoomStore, type RoomStore } from '../src/server/rooms/room-store.ts';
import { RedisRoomStore } from '../src/server/rooms/redis-room-store.ts';
import { RedisTestSpace, deleteKeys, redisAvailable } from './cluster/redis.ts';
import { type RoomsHarness, roomsHarness } from './rooms-harness.ts';
import { appErrorOf } from './app-error.ts';

/**
 * R-ROOM8 against the emulator: a restart is a new RoomService over an empty store (the in-memory
 * store after a restart, a flushed Redis) on the same Discord, then the start-up reconcile. Discord's
 * own state, the store and the published events are the proof. The process-level version (kill -9 of
 * the built app) is restart.test.ts.
 */

const redisUp = await redisAvailable();
let h: RoomsHarness;
beforeEach(async () => {
  h = await roomsHarness();
});
afterEach(async () => {
  await h?.close();
});

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const tokenOf = (url: string) => url.split('/invite/')[1]!;
const id = (name: string) => h.session(name).userId;

/** The app goes down: its Gateway stops, so what changes in Discord now reaches no running service. */
async function down(): Promise<void> {
  await h.gateway.stop();
}

/** A restart: a fresh service over `store`, read back from Discord. */
async function restart(store: RoomStore = new MemoryRoomStore(() => h.clock.now()), halfMadeGraceMs = 0) {
  const rooms = h.restart(store);
  const result = await reconcileRooms({ rooms, discord: h.roomDiscord, clock: h.clock, log, halfMadeGraceMs });
  return { rooms, store, result };
}

async function gameNight(rooms: RoomService = h.rooms) {
  const created = await rooms.create(h.session('alice'), 'Friday Magic');
  for (const name of ['bob', 'carol']) await rooms.redeem(h.session(name), tokenOf(created.inviteUrl));
  await rooms.redeem(h.session('grace'), tokenOf(created.spectatorUrl));
  return created;
}

const failure = (promise: Promise<unknown>) => appErrorOf(promise);

function channelOf(state: Awaited<ReturnType<RoomsHarness['discordState']>>, channelId: string) {
  return state.channels.find((c) => c.id === channelId);
}

function hostMarks(state: Awaited<ReturnType<RoomsHarness['discordState']>>, channelId: string): string[] {
  return (channelOf(state, channelId)?.permission_overwrites ?? []).filter((o) => o.type === 1 && (BigInt(o.allow) & HOST_MARK) !== 0n).map((o) => o.id);
}

describe('what Discord holds of a room', () => {
  it('the role carries the room id, the channel its name, and the host is marked with Priority Speaker (and nobody else)', async () => {
    const { room } = await gameNight();
    const state = await h.discordState();
    expect(state.roles.find((r) => r.id === room.roleId)?.name).toBe(`room-${room.id}`);
    expect(channelOf(state, room.channelId)?.name).toBe('Friday Magic');
    expect(hostMarks(state, room.channelId)).toEqual([id('alice')]);
    const mark = channelOf(state, room.channelId)?.permission_overwrites?.find((o) => o.id === id('alice'));
    expect(mark).toEqual({ id: id('alice'), type: 1, allow: String(P.PrioritySpeaker), deny: '0' });
    expect(room.createdAt).toBe(snowflakeTime(room.channelId));
  });
});

describe('a restart with an empty store', () => {
  it('reads every room back with the same id, name, host, players and creation time; spectators and the idle clock start afresh', async () => {
    const { room } = await gameNight();
    await h.clock.advance(45 * 60_000);
    const { store, result } = await restart();
    expect(result.restored).toEqual([room.id]);
    const back = await store.get(room.id);
    const before = await h.store.get(room.id);
    expect(back).toEqual({
      ...before,
      // Seat order after the host: when each joined the server, then user id (Discord keeps no seat time).
      players: [id('alice'), id('bob'), id('carol')],
      spectators: [],
      profiles: { [id('alice')]: before!.profiles[id('alice')], [id('bob')]: before!.profiles[id('bob')], [id('carol')]: before!.profiles[id('carol')] },
      lastActiveAt: h.clock.now(),
      closingAt: null,
    });
    expect(before!.lastActiveAt).toBe(h.clock.now() - 45 * 60_000);
  });

  it('keeps the old links working: the invite seats a fourth player, the spectator link seats the spectator again, the fifth player is refused', async () => {
    const created = await gameNight();
    const { rooms, store } = await restart();
    const preview = await rooms.openInvite(tokenOf(created.inviteUrl));
    expect(preview.room.id).toBe(created.room.id);
    await rooms.redeem(h.session('grace'), tokenOf(created.spectatorUrl));
    expect((await store.get(created.room.id))?.spectators).toEqual([id('grace')]);
    expect(await rooms.viewAccess(created.room.id, id('grace'))).toBe('allowed');
    await rooms.redeem(h.session('dave'), tokenOf(created.inviteUrl));
    const full = await failure(rooms.redeem(h.session('erin'), tokenOf(created.inviteUrl)));
    expect([full.status, full.message]).toEqual([409, 'Room full: 4 of 4 players are in.']);
    expect((await h.discordState()).members.find((m) => m.userId === id('erin'))?.roles).not.toContain(created.room.roleId);
  });

  it('seats 4 of 5 role holders (an admin granted the role by hand while it was down): the last seated loses the role in Discord', async () => {
    const created = await gameNight();
    await down();
    for (const name of ['dave', 'erin']) await h.rest.addMemberRole(h.emulator.guildId, id(name), created.room.roleId);
    const { store } = await restart();
    const back = (await store.get(created.room.id))!;
    expect(back.players).toHaveLength(4);
    expect(back.players[0]).toBe(id('alice'));
    const five = ['alice', 'bob', 'carol', 'dave', 'erin'].map(id);
    const extra = five.filter((u) => !back.players.includes(u));
    expect(extra).toHaveLength(1);
    expect(Object.keys(back.profiles)).not.toContain(extra[0]);
    const holders = (await h.discordState()).members.filter((m) => m.roles.includes(created.room.roleId)).map((m) => m.userId);
    expect(holders.sort()).toEqual([...back.players].sort());
    // A second read-back finds 4 and changes nothing more.
    const again = await restart();
    expect((await again.store.get(created.room.id))?.players).toEqual(back.players);
  });

  it('gives a room whose host left the server while it was down to the longest-seated player, moves the mark, and tells everyone', async () => {
    const created = await gameNight();
    await down();
    h.emulator.state.removeMember(h.emulator.guildId, id('alice'));
    h.published.length = 0;
    const revocations: unknown[] = [];
    h.bus.onRevocation((r) => revocations.push(r));
    const { rooms, store, result } = await restart();
    expect(result.newHosts).toEqual([created.room.id]);
    const back = await store.get(created.room.id);
    expect(back).toMatchObject({ creatorId: id('bob'), players: [id('bob'), id('carol')] });
    expect(hostMarks(await h.discordState(), created.room.channelId)).toEqual([id('bob')]);
    expect(revocations).toEqual([{ topic: `room:${created.room.id}`, userId: id('alice'), access: 'denied' }]);
    const updated = h.published.find((m) => m.event === 'room.updated');
    expect(updated?.payload).toMatchObject({ room: { creatorId: id('bob') }, players: [{ userId: id('bob'), creator: true }, { userId: id('carol'), creator: false }] });
    // The invite names alice as its creator; the check binds the room, channel and role, not the host.
    await rooms.redeem(h.session('dave'), tokenOf(created.inviteUrl));
    expect((await store.get(created.room.id))?.players).toEqual([id('bob'), id('carol'), id('dave')]);
    // A second restart agrees: bob stays host.
    const again = await restart();
    expect((await again.store.get(created.room.id))?.creatorId).toBe(id('bob'));
    expect(again.result.newHosts).toEqual([]);
  });

  it('closes a room whose host left with no player behind: channel and role go, and its links say closed', async () => {
    const created = await h.rooms.create(h.session('alice'), 'Lonely');
    await down();
    h.emulator.state.removeMember(h.emulator.guildId, id('alice'));
    const { rooms, result } = await restart();
    expect(result.closed).toEqual([created.room.id]);
    const state = await h.discordState();
    expect(state.channels.some((c) => c.id === created.room.channelId)).toBe(false);
    expect(state.roles.some((r) => r.id === created.room.roleId)).toBe(false);
    expect(await rooms.viewAccess(created.room.id, id('bob'))).toBe('closed');
    const closed = await failure(rooms.openInvite(tokenOf(created.inviteUrl)));
    expect([closed.status, closed.message]).toEqual([410, 'This room has been closed.']);
  });

  it('deletes the role of a room whose channel was deleted by hand, and the channel of a room whose role was', async () => {
    const noChannel = await h.rooms.create(h.session('alice'), 'No channel');
    const noRole = await h.rooms.create(h.session('bob'), 'No role');
    const kept = await h.rooms.create(h.session('carol'), 'Kept');
    await down();
    h.emulator.state.deleteChannel(noChannel.room.channelId);
    h.emulator.state.deleteRole(h.emulator.guildId, noRole.room.roleId);
    const { rooms, store, result } = await restart();
    expect(result).toMatchObject({ restored: [kept.room.id], removedRoles: [noChannel.room.roleId], removedChannels: [noRole.room.channelId], closed: [noChannel.room.id] });
    // The role named the room: its links say closed. The role-less channel named nothing.
    expect(await rooms.viewAccess(noChannel.room.id, id('alice'))).toBe('closed');
    expect(await rooms.viewAccess(noRole.room.id, id('bob'))).toBe('denied');
    const state = await h.discordState();
    expect(state.roles.some((r) => r.id === noChannel.room.roleId)).toBe(false);
    expect(state.channels.some((c) => c.id === noRole.room.channelId)).toBe(false);
    expect((await store.list()).map((r) => r.id)).toEqual([kept.room.id]);
  });

  it('deletes a stray second role naming a live room, and the room lives on (no tombstone, no room.deleted)', async () => {
    const { room } = await h.rooms.create(h.session('alice'), 'Twin');
    const stray = h.emulator.state.createRole(h.emulator.guildId, { name: `room-${room.id}` });
    h.published.length = 0;
    const { rooms, result } = await restart();
    expect(result).toMatchObject({ restored: [room.id], removedRoles: [stray.id], closed: [] });
    expect(await rooms.viewAccess(room.id, id('alice'))).toBe('allowed');
    expect(h.published.filter((m) => m.event === 'room.deleted')).toEqual([]);
  });

  it('leaves alone what is not ours: a look-alike role, an admin voice channel in the rooms category, a room channel elsewhere', async () => {
    const guildId = h.emulator.guildId;
    const lookAlike = h.emulator.state.createRole(guildId, { name: 'room-ABCDEFGHIJ' });
    const admins = await h.rest.createVoiceChannel(guildId, { name: 'Admins', userLimit: 0, parentId: h.categoryId });
    const before = await h.discordState();
    const { result } = await restart();
    expect(result).toEqual({ restored: [], newHosts: [], closed: [], removedRoles: [], removedChannels: [], removedCategories: [] });
    const after = await h.discordState();
    expect(after.roles.map((r) => r.id)).toEqual(before.roles.map((r) => r.id));
    expect(after.roles.some((r) => r.id === lookAlike.id)).toBe(true);
    expect(after.channels.some((c) => c.id === admins.id)).toBe(true);
  });

  it('with several instances, leaves a half-made room younger than the grace alone (another instance may be making it), and not one a millisecond older', async () => {
    const role = h.emulator.state.createRole(h.emulator.guildId, { name: 'room-halfmade01' });
    const age = h.clock.now() - snowflakeTime(role.id);
    const young = await restart(undefined, age + 1);
    expect(young.result.removedRoles).toEqual([]);
    expect((await h.discordState()).roles.some((r) => r.id === role.id)).toBe(true);
    const old = await restart(undefined, age);
    expect(old.result.removedRoles).toEqual([role.id]);
    expect((await h.discordState()).roles.some((r) => r.id === role.id)).toBe(false);
  });

  it('a room another instance closes while this one reads Discord stays closed: the store is read first, and its tombstone refuses the room', async () => {
    const store = new MemoryRoomStore(() => h.clock.now());
    const other = h.restart(store);
    const created = await gameNight(other);
    const rooms = h.restart(store);
    const reads: string[] = [];
    // Discord's listing still shows the room; the other instance's close lands right after it.
    const discord = new Proxy(h.roomDiscord, {
      get(target, name) {
        if (name === 'listGuild') {
          return async () => {
            reads.push('discord');
            const listing = await target.listGuild();
            await other.closeFor(created.room.id, 'closed');
            return listing;
          };
        }
        const value: unknown = Reflect.get(target, name);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const service = {
      guildId: rooms.guildId,
      list: async () => {
        reads.push('store');
        return rooms.list();
      },
      closeFor: rooms.closeFor.bind(rooms),
      closeUnstored: rooms.closeUnstored.bind(rooms),
      adopt: rooms.adopt.bind(rooms),
    };
    const result = await reconcileRooms({ rooms: service, discord, clock: h.clock, log });
    expect(reads).toEqual(['store', 'discord']);
    expect(result.restored).toEqual([]);
    expect(await store.get(created.room.id)).toBeNull();
    expect(await store.closedAt(created.room.id)).toBe(h.clock.now());
    const discordNow = await h.discordState();
    expect(discordNow.roles.some((r) => r.id === created.room.roleId)).toBe(false);
    expect(discordNow.channels.some((c) => c.id === created.room.channelId)).toBe(false);
  });

  it.runIf(redisUp)('fills an empty Redis store (a flushed Redis) from Discord, and a kept one keeps its rooms as they were', async () => {
    const space = new RedisTestSpace();
    try {
      const redis = await space.connect('readback');
      const store = new RedisRoomStore(redis, space.keys, () => h.clock.now());
      const created = await gameNight(h.restart(store));
      const stored = await store.get(created.room.id);
      expect(stored?.spectators).toEqual([id('grace')]);

      // Kept: nothing to read back; the spectator and the idle clock stay as stored.
      await h.clock.advance(10 * 60_000);
      const kept = await restart(new RedisRoomStore(redis, space.keys, () => h.clock.now()));
      expect(kept.result.restored).toEqual([]);
      expect(await kept.store.get(created.room.id)).toEqual(stored);

      // Flushed (this test's keys only): read back from Discord.
      await deleteKeys(redis, `${space.prefix}*`);
      const flushed = await restart(new RedisRoomStore(redis, space.keys, () => h.clock.now()));
      expect(flushed.result.restored).toEqual([created.room.id]);
      const back = (await flushed.store.get(created.room.id)) as Room;
      expect(back).toMatchObject({ id: created.room.id, name: 'Friday Magic', creatorId: id('alice'), players: [id('alice'), id('bob'), id('carol')], spectators: [], lastActiveAt: h.clock.now() });
      await flushed.rooms.redeem(h.session('grace'), tokenOf(created.spectatorUrl));
      expect((await flushed.store.get(created.room.id))?.spectators).toEqual([id('grace')]);
    } finally {
      await space.cleanup();
    }
  });
});
