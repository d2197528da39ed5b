import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { toAppError, toErrorResponse } from '../src/server/errors.ts';
import { reconcileRooms } from '../src/server/rooms/reconcile.ts';
import { HandOverBody, PatchRoomBody, parsePersonId, patchRoom, roomInvites } from '../src/server/rooms/room-api.ts';
import { MemoryRoomStore } from '../src/server/rooms/room-store.ts';
import { appErrorOf } from './app-error.ts';
import { type RoomsHarness, roomsHarness } from './rooms-harness.ts';

/**
 * The host's room-wide controls (issue 19) against the emulator, through the same room-api helpers
 * and RoomService methods the JSON routes and server functions call: who may use them, the lock
 * and new links refusing each kind of link (preview and redeem), the rename and Discord's rename
 * limit, and what a restart reads back. Discord's own state is the proof. Discord runs on the room
 * clock, so the 10-minute rename window is crossed by moving it.
 */
let h: RoomsHarness;
beforeAll(async () => {
  h = await roomsHarness({}, { discordOnRoomClock: true });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  for (const room of await h.store.list()) await h.rooms.closeFor(room.id, 'closed');
  h.published.length = 0;
});

const log = pino({ level: 'silent' });
const tokenOf = (url: string) => url.split('/invite/')[1]!;
const id = (name: string) => h.session(name).userId;
const me = (name: string) => h.session(name);

async function refusal(promise: Promise<unknown>): Promise<{ status: number; reason: string | undefined }> {
  const error = await appErrorOf(promise);
  return { status: error.status, reason: error.options.reason };
}

/** alice hosts; bob plays; carol watches. Links of generation 0. */
async function table(name = 'Friday Magic') {
  const created = await h.rooms.create(me('alice'), name);
  const spectatorUrl = await h.rooms.inviteUrl(created.room, 'spectator');
  await h.rooms.redeem(me('bob'), tokenOf(created.inviteUrl));
  await h.rooms.redeem(me('carol'), tokenOf(spectatorUrl));
  return { room: created.room, player: tokenOf(created.inviteUrl), spectator: tokenOf(spectatorUrl) };
}

async function roleName(roleId: string) {
  return (await h.discordState()).roles.find((r) => r.id === roleId)?.name;
}
async function channelName(channelId: string) {
  return (await h.discordState()).channels.find((c) => c.id === channelId)?.name;
}

describe('only the host', () => {
  it('answers 403 not_host to a player and to a spectator for every host control, and nothing changes in Discord or the store', async () => {
    const { room } = await table();
    const before = await h.discordState();
    for (const who of ['bob', 'carol']) {
      const controls: Array<Promise<unknown>> = [
        patchRoom(h.rooms, me(who), room.id, { name: 'Mine now' }),
        patchRoom(h.rooms, me(who), room.id, { locked: true }),
        h.rooms.rotateLinks(me(who), room.id),
        h.rooms.remove(me(who), room.id, id(who === 'bob' ? 'carol' : 'bob')),
        h.rooms.handOver(me(who), room.id, id('bob')),
        h.rooms.closeByUser(me(who), room.id),
      ];
      for (const control of controls) expect(await refusal(control)).toEqual({ status: 403, reason: 'not_host' });
    }
    expect((await appErrorOf(h.rooms.rotateLinks(me('bob'), room.id))).message).toBe('Only the room’s host can do this.');
    // Someone not in the room is told so (403), an unknown room is 404.
    expect((await refusal(h.rooms.setLocked(me('dave'), room.id, true))).status).toBe(403);
    expect((await refusal(h.rooms.rotateLinks(me('alice'), 'nosuchroom1'))).status).toBe(404);
    expect(await h.discordState()).toEqual(before);
    expect(await h.store.get(room.id)).toMatchObject({ name: 'Friday Magic', locked: false, linkGeneration: 0, barred: [], creatorId: id('alice') });
  });

  it('refuses bodies that are not a control: PATCH is strict and needs a field; ids that are no user are nobody in the room', async () => {
    expect(PatchRoomBody.safeParse({}).success).toBe(false);
    expect(PatchRoomBody.safeParse({ name: 'x', extra: 1 }).success).toBe(false);
    expect(PatchRoomBody.safeParse({ locked: 'yes' }).success).toBe(false);
    expect(PatchRoomBody.safeParse({ locked: false }).success).toBe(true);
    expect(HandOverBody.safeParse({ userId: '1234' }).success).toBe(false);
    expect(HandOverBody.safeParse({ userId: id('bob'), more: true }).success).toBe(false);
    expect(() => parsePersonId('../admin')).toThrow('This person is not in the room.');
    const { room } = await table();
    const bad = await appErrorOf(patchRoom(h.rooms, me('alice'), room.id, { name: '   ' }));
    expect(bad.status).toBe(400);
    expect(bad.options.fields).toEqual({ name: ['Give the room a name.'] });
    expect(await channelName(room.channelId)).toBe('Friday Magic');
  });
});

describe('lock', () => {
  it('refuses both kinds of link, preview and redeem, with 403 room_locked; the seated keep their seats and their room; unlock lets people in again', async () => {
    const { room, player, spectator } = await table();
    const locked = await patchRoom(h.rooms, me('alice'), room.id, { locked: true });
    expect(locked.room.locked).toBe(true);
    expect(await roleName(room.roleId)).toBe(`room-${room.id}~locked`);
    const told = h.published.filter((m) => m.event === 'room.updated').at(-1);
    expect(told?.payload).toMatchObject({ room: { locked: true } });

    const lockedOut = { status: 403, reason: 'room_locked' };
    for (const token of [player, spectator]) {
      expect(await refusal(h.rooms.openInvite(token))).toEqual(lockedOut);
      expect(await refusal(h.rooms.openInvite(token, id('dave')))).toEqual(lockedOut);
      expect(await refusal(h.rooms.redeem(me('dave'), token))).toEqual(lockedOut);
    }
    expect((await appErrorOf(h.rooms.redeem(me('dave'), player))).message).toBe('This room is locked by its host.');
    // carol (spectator) may not take a player seat now, but her own link and her room still open.
    expect(await refusal(h.rooms.redeem(me('carol'), player))).toEqual(lockedOut);
    expect((await h.rooms.openInvite(spectator, id('carol'))).room.id).toBe(room.id);
    expect((await h.rooms.getForMember(room.id, id('bob'))).players).toEqual([id('alice'), id('bob')]);
    expect((await h.discordState()).members.find((m) => m.userId === id('bob'))?.roles).toContain(room.roleId);

    await h.rooms.setLocked(me('alice'), room.id, false);
    expect(await roleName(room.roleId)).toBe(`room-${room.id}`);
    expect((await h.rooms.redeem(me('dave'), player)).players).toContain(id('dave'));
  });
});

describe('new links', () => {
  it('replace both links (410 invite_replaced, preview and redeem); the new ones work; the invites list gives the new generation', async () => {
    const { room, player, spectator } = await table();
    const updatesBefore = h.published.filter((m) => m.topic === `room:${room.id}` && m.event === 'room.updated').length;
    const fresh = await h.rooms.rotateLinks(me('alice'), room.id);
    expect(await roleName(room.roleId)).toBe(`room-${room.id}~1`);
    // Everyone's page is told (a player's page shows the player link too, and fetches it again on room.updated).
    expect(h.published.filter((m) => m.topic === `room:${room.id}` && m.event === 'room.updated').length).toBe(updatesBefore + 1);
    const replaced = { status: 410, reason: 'invite_replaced' };
    for (const token of [player, spectator]) {
      expect(await refusal(h.rooms.openInvite(token))).toEqual(replaced);
      expect(await refusal(h.rooms.redeem(me('dave'), token))).toEqual(replaced);
    }
    expect((await appErrorOf(h.rooms.openInvite(player))).message).toBe('This link was replaced by the host. Ask them for the new one.');
    // The seated are not turned away by their own old link (it seats nobody: the page offers "Open room")…
    expect((await h.rooms.openInvite(player, id('bob'))).room.id).toBe(room.id);
    expect((await h.rooms.openInvite(player, id('alice'))).room.id).toBe(room.id);
    expect((await h.rooms.openInvite(spectator, id('carol'))).room.id).toBe(room.id);
    expect((await h.rooms.redeem(me('bob'), player)).players).toEqual([id('alice'), id('bob')]);
    // …but an old player link would move the spectator to a seat: replaced for her.
    expect(await refusal(h.rooms.openInvite(player, id('carol')))).toEqual(replaced);
    expect(await refusal(h.rooms.redeem(me('carol'), player))).toEqual(replaced);
    expect((await h.rooms.redeem(me('dave'), tokenOf(fresh.inviteUrl))).players).toContain(id('dave'));
    expect((await h.rooms.redeem(me('erin'), tokenOf(fresh.spectatorUrl))).spectators).toContain(id('erin'));
    // A player's invite list hands out the current generation's link.
    const listed = await roomInvites(h.rooms, me('bob'), room.id);
    expect((await h.rooms.openInvite(tokenOf(listed.inviteUrl))).claims.gen).toBe(1);
    await h.rooms.rotateLinks(me('alice'), room.id);
    expect(await refusal(h.rooms.openInvite(tokenOf(fresh.inviteUrl)))).toEqual(replaced);
    expect(await roleName(room.roleId)).toBe(`room-${room.id}~2`);
  });
});

describe('rename', () => {
  it('renames channel and room; Discord allows 2 per 10 minutes: the 3rd is 429 rename_rate_limited and changes nothing; 10 minutes later it works', async () => {
    const { room } = await table();
    expect((await patchRoom(h.rooms, me('alice'), room.id, { name: '  Saturday  ' })).room.name).toBe('Saturday');
    expect(await channelName(room.channelId)).toBe('Saturday');
    await h.clock.advance(60_000);
    await h.rooms.rename(me('alice'), room.id, 'Sunday');
    // The same name again is no rename: Discord is not asked, the window is not spent.
    await h.rooms.rename(me('alice'), room.id, 'Sunday');
    await h.clock.advance(60_000);
    const started = Date.now();
    const limited = await appErrorOf(patchRoom(h.rooms, me('alice'), room.id, { name: 'Monday', locked: true }));
    // Discord's 10-minute wait is not waited through by an HTTP request.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(limited.status).toBe(429);
    expect(limited.options).toMatchObject({ reason: 'rename_rate_limited', retryAfterSeconds: 480, retryable: true });
    expect(limited.message).toBe('Discord lets a channel be renamed twice every 10 minutes. Try again in 8 minutes.');
    const response = toErrorResponse(limited, log);
    expect(response.headers.get('retry-after')).toBe('480');
    // Nothing changed: name in Discord and the store, and the lock sent along was not applied.
    expect(await channelName(room.channelId)).toBe('Sunday');
    expect(await h.store.get(room.id)).toMatchObject({ name: 'Sunday', locked: false });
    expect(await roleName(room.roleId)).toBe(`room-${room.id}`);

    // The REST client remembers Discord's answer: a minute and a second short of the 8 minutes it
    // refuses without asking (a wait longer than it sleeps through for a request), with the time left.
    await h.clock.advance(8 * 60_000 - 61_000);
    const remembered = await appErrorOf(h.rooms.rename(me('alice'), room.id, 'Monday'));
    expect(remembered.options).toMatchObject({ reason: 'rename_rate_limited', retryAfterSeconds: 61 });
    expect(remembered.message).toBe('Discord lets a channel be renamed twice every 10 minutes. Try again in 2 minutes.');
    // Exactly when the first rename is 10 minutes old, Discord takes the next one.
    await h.clock.advance(61_000);
    expect((await h.rooms.rename(me('alice'), room.id, 'Monday')).name).toBe('Monday');
    expect(await channelName(room.channelId)).toBe('Monday');
    const listing = h.published.filter((m) => m.event === 'lobby.rooms').at(-1);
    expect(JSON.stringify(listing?.payload)).toContain('Monday');
  });
});

describe('rename and lock in one PATCH', () => {
  it('the rename applies first; a lock Discord then refuses keeps the rename and answers the error (rooms-api.md); the same PATCH again finishes', async () => {
    const { room } = await table('Both at once');
    await h.control('faults', { kind: 'rest.status', method: 'PATCH', route: '/guilds/:id/roles/:id', status: 403, count: 1 });
    // What the door answers (toAppError): Discord refused, 502.
    expect(toAppError(await patchRoom(h.rooms, me('alice'), room.id, { name: 'Renamed', locked: true }).catch((e: unknown) => e)).status).toBe(502);
    expect(await channelName(room.channelId)).toBe('Renamed');
    expect(await h.store.get(room.id)).toMatchObject({ name: 'Renamed', locked: false });
    expect(await roleName(room.roleId)).toBe(`room-${room.id}`);
    expect((await patchRoom(h.rooms, me('alice'), room.id, { name: 'Renamed', locked: true })).room).toMatchObject({ name: 'Renamed', locked: true });
  });
});

describe('after a restart (an empty store read back from Discord)', () => {
  it('keeps the lock, the link generation (old links still 410, new ones work once unlocked), the barred, the name and the host', async () => {
    const { room, player } = await table('Before');
    await h.rooms.rename(me('alice'), room.id, 'After');
    const fresh = await h.rooms.rotateLinks(me('alice'), room.id);
    await h.rooms.remove(me('alice'), room.id, id('carol'));
    await h.rooms.setLocked(me('alice'), room.id, true);
    const before = await h.store.get(room.id);

    const store = new MemoryRoomStore(() => h.clock.now());
    const rooms = h.restart(store);
    const result = await reconcileRooms({ rooms, discord: h.roomDiscord, clock: h.clock, log });
    expect(result.restored).toEqual([room.id]);
    const back = await store.get(room.id);
    expect(back).toMatchObject({ name: 'After', creatorId: id('alice'), players: [id('alice'), id('bob')], locked: true, linkGeneration: 1, barred: [id('carol')] });
    expect(back).toMatchObject({ locked: before?.locked, linkGeneration: before?.linkGeneration, barred: before?.barred });

    expect(await refusal(rooms.openInvite(player))).toEqual({ status: 410, reason: 'invite_replaced' });
    expect(await refusal(rooms.openInvite(tokenOf(fresh.inviteUrl)))).toEqual({ status: 403, reason: 'room_locked' });
    await rooms.setLocked(me('alice'), room.id, false);
    expect(await refusal(rooms.redeem(me('carol'), tokenOf(fresh.spectatorUrl)))).toEqual({ status: 403, reason: 'removed' });
    expect((await rooms.redeem(me('dave'), tokenOf(fresh.inviteUrl))).players).toContain(id('dave'));
    await rooms.closeFor(room.id, 'closed');
  });
});
