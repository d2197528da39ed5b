import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiscordApiError } from '@repo/discord-rest';
import { RedisRoomStore } from '../src/server/rooms/redis-room-store.ts';
import { RedisTestSpace, redisAvailable } from './cluster/redis.ts';
import { type DiscordState, type RoomsHarness, roomsHarness } from './rooms-harness.ts';

/**
 * Each undo path of room creation (R-ROOM1, issue 20), driven by the emulator's REST faults and, for
 * the store, by a real Redis store that has lost its connection. The proof is Discord's own state:
 * the same roles, channels and role grants before and after, and nothing stored.
 */

const redisUp = await redisAvailable();

let h: RoomsHarness;
beforeAll(async () => {
  // Categories of 2 rooms, so one test can make a room need a new category.
  h = await roomsHarness({ limits: { channelsPerCategory: 2 } }, { capacity: { channelsPerCategory: 2 } });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  for (const room of await h.store.list()) await h.rooms.closeFor(room.id, 'closed');
  await fetch(`${h.emulator.controlUrl}/faults`, { method: 'DELETE' });
});

const footprint = (state: DiscordState) => ({
  roles: state.roles.map((r) => r.id).sort(),
  channels: state.channels.map((c) => `${c.id}:${c.name}:${c.parent_id}`).sort(),
  memberRoles: state.members.map((m) => `${m.userId}:${[...m.roles].sort().join(',')}`).sort(),
});

async function fault(body: Record<string, unknown>): Promise<void> {
  const res = await h.control('faults', body);
  expect(res.status, await res.clone().text()).toBe(200);
}

const requests = (route: string) => h.emulator.state.requestCounts.get(route) ?? 0;

describe('undo of a half-made room', () => {
  it('role made, channel refused: the role is deleted and the channel error reaches the caller', async () => {
    const before = await h.discordState();
    await fault({ kind: 'rest.status', method: 'POST', route: '/guilds/:id/channels', status: 403, count: 1 });
    const deletes = requests('DELETE /guilds/:id/roles/:id');
    await expect(h.rooms.create(h.session('alice'), 'No channel')).rejects.toMatchObject({ kind: 'api', status: 403, operation: 'createVoiceChannel' });
    expect(requests('DELETE /guilds/:id/roles/:id')).toBe(deletes + 1);
    expect(footprint(await h.discordState())).toEqual(footprint(before));
    expect(await h.store.list()).toEqual([]);
  });

  it('role and channel made, the creator’s role grant refused: channel and role are both deleted', async () => {
    const before = await h.discordState();
    await fault({ kind: 'rest.status', method: 'PUT', route: '/guilds/:id/members/:id/roles/:id', status: 403, count: 1 });
    await expect(h.rooms.create(h.session('alice'), 'No grant')).rejects.toMatchObject({ kind: 'api', status: 403, operation: 'addMemberRole' });
    expect(footprint(await h.discordState())).toEqual(footprint(before));
    expect(await h.store.list()).toEqual([]);
  });

  it('a new category made for the room, then the grant refused: channel, role and the new category are deleted, the first stays', async () => {
    const one = await h.rooms.create(h.session('bob'), 'One');
    const two = await h.rooms.create(h.session('bob'), 'Two');
    await h.waitFor(() => h.gateway.inventory.channelsUnder(h.emulator.guildId, h.categoryId) === 2, 'the first category full in the cache');
    const before = await h.discordState();
    await fault({ kind: 'rest.status', method: 'PUT', route: '/guilds/:id/members/:id/roles/:id', status: 403, count: 1 });
    const channelCreates = requests('POST /guilds/:id/channels');
    await expect(h.rooms.create(h.session('erin'), 'Three')).rejects.toMatchObject({ kind: 'api', status: 403, operation: 'addMemberRole' });
    // The category and the voice channel were both made, then both deleted.
    expect(requests('POST /guilds/:id/channels')).toBe(channelCreates + 2);
    const after = await h.discordState();
    expect(footprint(after)).toEqual(footprint(before));
    expect(after.channels.some((c) => c.name === 'Spell Rooms 2')).toBe(false);
    for (const room of [one, two]) await h.rooms.closeFor(room.room.id, 'closed');
    expect((await h.discordState()).channels.some((c) => c.id === h.categoryId)).toBe(true);
  });

  it.runIf(redisUp)('the store refuses the room (a real Redis answering an error): Discord’s side is undone, and the store’s error reaches the caller', async () => {
    const space = new RedisTestSpace();
    try {
      const redis = await space.connect('rollback');
      const store = new RedisRoomStore(redis, space.keys, () => h.clock.now());
      const rooms = h.restart(store);
      // The rooms index holds a string: reads of a user's rooms still work, the insert's SADD fails (WRONGTYPE).
      await redis.set(space.keys.rooms, 'not a set');
      const before = await h.discordState();
      const roleDeletes = requests('DELETE /guilds/:id/roles/:id');
      const channelDeletes = requests('DELETE /channels/:id');
      const error = await rooms.create(h.session('carol'), 'Unstored').then(
        () => expect.fail('expected the store to refuse'),
        (e: unknown) => e,
      );
      expect(String(error)).toMatch(/WRONGTYPE/);
      expect(error).not.toBeInstanceOf(DiscordApiError);
      expect(requests('DELETE /guilds/:id/roles/:id')).toBe(roleDeletes + 1);
      expect(requests('DELETE /channels/:id')).toBe(channelDeletes + 1);
      expect(footprint(await h.discordState())).toEqual(footprint(before));
    } finally {
      await space.cleanup();
    }
  });

  it('an undo that itself fails still reports the original failure; only what it could not delete is left', async () => {
    await fault({ kind: 'rest.status', method: 'POST', route: '/guilds/:id/channels', status: 403, count: 1 });
    await fault({ kind: 'rest.status', method: 'DELETE', route: '/guilds/:id/roles/:id', status: 403, count: 1 });
    const before = new Set((await h.discordState()).roles.map((r) => r.id));
    await expect(h.rooms.create(h.session('dave'), 'Stuck')).rejects.toMatchObject({ kind: 'api', operation: 'createVoiceChannel' });
    const left = (await h.discordState()).roles.filter((r) => !before.has(r.id));
    expect(left.map((r) => r.name)).toEqual([expect.stringMatching(/^room-[a-z0-9]{10}$/)]);
    await h.rest.deleteRole(h.emulator.guildId, left[0]!.id);
  });
});
