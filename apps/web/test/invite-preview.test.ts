import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openInvite } from '../src/server/rooms/invite-check.ts';
import { alreadyJoined, invitePreview } from '../src/server/rooms/invite-preview.ts';
import { InviteTokens } from '../src/server/rooms/invite-token.ts';
import type { Room } from '../src/server/rooms/room.ts';
import { MemoryRoomStore } from '../src/server/rooms/room-store.ts';
import { type RoomsHarness, SECRET, roomsHarness } from './rooms-harness.ts';

/**
 * The invite page's preview (invite-preview.ts) of rooms RoomService made in the emulator's guild:
 * what anyone holding the link sees, and whether the viewer is already where the link would put them.
 */
let h: RoomsHarness;
beforeAll(async () => {
  h = await roomsHarness();
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  for (const room of await h.store.list()) await h.rooms.closeFor(room.id, 'closed');
});

const tokenOf = (url: string) => new URL(url).pathname.split('/').at(-1)!;

async function roomWithLinks(name: string) {
  const created = await h.rooms.create(h.session('alice'), name);
  const player = tokenOf(created.inviteUrl);
  const spectator = tokenOf(await h.rooms.inviteUrl(created.room, 'spectator'));
  return { room: created.room, player, spectator };
}

describe('invitePreview', () => {
  it('shows the host as Discord shows them, the room, the link’s kind and the seats: nothing else', async () => {
    const { room, player, spectator } = await roomWithLinks('Friday Commander');
    const alice = h.emulator.users.alice;
    expect(alice.avatar).toBeTruthy();
    const preview = invitePreview(await h.rooms.openInvite(player), h.emulator.url);
    expect(preview).toEqual({
      kind: 'player',
      room: { id: room.id, name: 'Friday Commander' },
      host: { userId: alice.id, username: 'alice', globalName: alice.global_name ?? null, avatarUrl: `${h.emulator.url}/avatars/${alice.id}/${alice.avatar}.png?size=64` },
      seats: { taken: 1, limit: 4 },
    });
    // Not the room's Discord channel or role, nor who the players are.
    const text = JSON.stringify(preview);
    for (const hidden of [room.channelId, room.roleId]) expect(text).not.toContain(hidden);
    expect(invitePreview(await h.rooms.openInvite(spectator), h.emulator.url).kind).toBe('spectator');
  });

  it('counts the seats taken as players join, up to the limit of 4; spectators take none', async () => {
    const { player, spectator } = await roomWithLinks('Seats');
    const seats = async () => invitePreview(await h.rooms.openInvite(player), h.emulator.url).seats;
    await h.rooms.redeem(h.session('bob'), player);
    await h.rooms.redeem(h.session('carol'), spectator);
    expect(await seats()).toEqual({ taken: 2, limit: 4 });
    await h.rooms.redeem(h.session('dave'), player);
    await h.rooms.redeem(h.session('erin'), player);
    expect(await seats()).toEqual({ taken: 4, limit: 4 });
  });
});

describe('alreadyJoined', () => {
  it('the host and a player are in for either link; a spectator only for a spectator link; a stranger never', async () => {
    const { player, spectator } = await roomWithLinks('Who is in');
    await h.rooms.redeem(h.session('bob'), player);
    await h.rooms.redeem(h.session('carol'), spectator);
    const asPlayer = await h.rooms.openInvite(player);
    const asSpectator = await h.rooms.openInvite(spectator);
    const { alice, bob, carol, dave } = h.emulator.users;
    for (const target of [asPlayer, asSpectator]) {
      expect(alreadyJoined(target, alice.id)).toBe(true);
      expect(alreadyJoined(target, bob.id)).toBe(true);
      expect(alreadyJoined(target, dave.id)).toBe(false);
    }
    // A player link for a spectator still joins them, as a player.
    expect(alreadyJoined(asPlayer, carol.id)).toBe(false);
    expect(alreadyJoined(asSpectator, carol.id)).toBe(true);
  });
});

describe('a host whose profile is missing or bare', () => {
  // A room restored from Discord may lack its host's profile (room-restore.ts): the page still renders.
  const GUILD = '100000000000000001';
  const now = Date.UTC(2026, 10, 25, 12);
  const invites = new InviteTokens(SECRET);
  const base: Room = {
    id: 'room0000001',
    name: 'Bare',
    guildId: GUILD,
    channelId: '200000000000000001',
    roleId: '300000000000000001',
    creatorId: '400000000000000001',
    players: ['400000000000000001'],
    spectators: [],
    profiles: {},
    createdAt: now,
    lastActiveAt: now,
    closingAt: null,
    locked: false,
    linkGeneration: 0,
    barred: [],
  };

  async function previewOf(room: Room) {
    const store = new MemoryRoomStore(() => now);
    await store.insert(room);
    const { token } = await invites.issue({ roomId: room.id, guildId: GUILD, channelId: room.channelId, roleId: room.roleId, creatorId: room.creatorId, kind: 'player' }, now);
    return invitePreview(await openInvite(token, { invites, store, guildId: GUILD }, now), 'https://cdn.test');
  }

  it('without a profile: "unknown", no global name, no avatar', async () => {
    expect((await previewOf(base)).host).toEqual({ userId: base.creatorId, username: 'unknown', globalName: null, avatarUrl: null });
  });

  it('with a profile but no avatar or global name: the username, nulls for the rest', async () => {
    const room = { ...base, profiles: { [base.creatorId]: { username: 'zed', globalName: null, avatar: null } } };
    expect((await previewOf(room)).host).toEqual({ userId: base.creatorId, username: 'zed', globalName: null, avatarUrl: null });
    const named = { ...base, profiles: { [base.creatorId]: { username: 'zed', globalName: 'Zed Z', avatar: 'abc' } } };
    expect((await previewOf(named)).host).toEqual({ userId: base.creatorId, username: 'zed', globalName: 'Zed Z', avatarUrl: `https://cdn.test/avatars/${base.creatorId}/abc.png?size=64` });
  });
});
