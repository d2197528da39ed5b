import { isRoomEvent, ServerEvent } from '@repo/protocol';
import { PermissionFlagsBits } from 'discord-api-types/v10';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../src/server/errors.ts';
import { InviteTokens } from '../src/server/rooms/invite-token.ts';
import { reconcileRooms } from '../src/server/rooms/reconcile.ts';
import { MemoryRoomStore } from '../src/server/rooms/room-store.ts';
import { type RoomsHarness, SECRET, roomsHarness } from './rooms-harness.ts';
import pino from 'pino';

/** RoomService against the emulator: Discord's state is the proof of every outcome. */
let h: RoomsHarness;
beforeAll(async () => {
  h = await roomsHarness();
});
afterAll(async () => {
  await h?.close();
});
beforeEach(async () => {
  // Each test starts with no rooms: close what the previous one left.
  for (const room of await h.store.list()) await h.rooms.closeFor(room.id, 'closed');
  await h.control('voice', { userId: 'alice', channelId: null });
  await h.control('voice', { userId: 'bob', channelId: null });
  h.published.length = 0;
});

async function expectAppError(promise: Promise<unknown>, status: number, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected the call to fail').toBeInstanceOf(AppError);
  expect((error as AppError).status).toBe(status);
  if (message) expect((error as AppError).message).toMatch(message);
}

const tokenOf = (url: string) => url.split('/invite/')[1]!;

describe('create', () => {
  it('makes exactly one role and one private voice channel (limit 4) and gives the creator the role', async () => {
    const before = await h.discordState();
    const created = await h.rooms.create(h.session('alice'), '  Friday Commander  ');
    const after = await h.discordState();

    expect(created.room.name).toBe('Friday Commander');
    expect(created.inviteUrl).toMatch(/^http:\/\/rooms\.test\/invite\/[\w-]+\.[\w-]+\.[\w-]+$/);
    const newRoles = after.roles.filter((r) => !before.roles.some((b) => b.id === r.id));
    const newChannels = after.channels.filter((c) => !before.channels.some((b) => b.id === c.id));
    expect(newRoles.map((r) => r.name)).toEqual([`room-${created.room.id}`]);
    expect(newChannels).toHaveLength(1);
    const channel = newChannels[0]!;
    expect(channel).toMatchObject({ type: 2, name: 'Friday Commander', user_limit: 4, parent_id: h.categoryId });

    const overwrite = (id: string) => channel.permission_overwrites?.find((o) => o.id === id);
    const everyone = overwrite(h.emulator.guildId)!;
    expect(BigInt(everyone.deny) & (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.Connect)).toBe(PermissionFlagsBits.ViewChannel | PermissionFlagsBits.Connect);
    expect(BigInt(overwrite(created.room.roleId)!.allow) & PermissionFlagsBits.Connect).toBe(PermissionFlagsBits.Connect);
    expect(BigInt(overwrite(h.botUserId)!.allow) & PermissionFlagsBits.MoveMembers).toBe(PermissionFlagsBits.MoveMembers);

    const alice = after.members.find((m) => m.username === 'alice')!;
    expect(alice.roles).toContain(created.room.roleId);
  });

  it('gives a double click one room, and caps open rooms at 3 with a clear 409', async () => {
    const alice = h.session('alice');
    const [a, b] = await Promise.all([h.rooms.create(alice, 'Twice'), h.rooms.create(alice, 'Twice')]);
    expect(a.room.id).toBe(b.room.id);
    expect((await h.rooms.create(alice, 'Twice')).room.id).toBe(a.room.id);
    await h.rooms.create(alice, 'Second');
    await h.rooms.create(alice, 'Third');
    const rolesBefore = (await h.discordState()).roles.length;
    await expectAppError(h.rooms.create(alice, 'Fourth'), 409, /already have 3 open rooms/);
    expect((await h.discordState()).roles.length).toBe(rolesBefore);
  });

  it('rejects bad names with 400 and leaves Discord untouched', async () => {
    const before = await h.discordState();
    for (const name of ['', '   ', 'x'.repeat(101), 'tab\there', 42, null]) {
      await expectAppError(h.rooms.create(h.session('bob'), name), 400);
    }
    const after = await h.discordState();
    expect(after.roles.length).toBe(before.roles.length);
    expect(after.channels.length).toBe(before.channels.length);
  });

  it('keeps markup and emoji as plain text', async () => {
    const created = await h.rooms.create(h.session('bob'), '<script>alert(1)</script> 🃏');
    expect(created.room.name).toBe('<script>alert(1)</script> 🃏');
  });

  it('undoes the role when the channel cannot be made (no orphans)', async () => {
    const before = await h.discordState();
    await h.control('faults', { kind: 'rest.status', method: 'POST', route: '/guilds/:id/channels', status: 403, count: 1 });
    await expect(h.rooms.create(h.session('carol'), 'Doomed')).rejects.toMatchObject({ kind: 'api', status: 403 });
    const after = await h.discordState();
    expect(after.roles.map((r) => r.id).sort()).toEqual(before.roles.map((r) => r.id).sort());
    expect(after.channels.length).toBe(before.channels.length);
    expect(await h.store.list()).toEqual([]);
  });
});

describe('invites', () => {
  it('lets three more players in (4 role holders); the fifth gets "Room full" and Discord is unchanged', async () => {
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Full house');
    for (const name of ['bob', 'carol', 'dave']) await h.rooms.redeem(h.session(name), tokenOf(inviteUrl));
    // Redeeming again is harmless.
    await h.rooms.redeem(h.session('bob'), tokenOf(inviteUrl));
    const holders = async () => (await h.discordState()).members.filter((m) => m.roles.includes(room.roleId)).map((m) => m.username).sort();
    expect(await holders()).toEqual(['alice', 'bob', 'carol', 'dave']);

    const requestsBefore = await requestCount();
    await expectAppError(h.rooms.redeem(h.session('erin'), tokenOf(inviteUrl)), 409, /Room full: 4 of 4 players/);
    expect(await holders()).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(await requestCount()).toBe(requestsBefore);
    expect(h.published.filter((m) => m.event === 'room.updated')).toHaveLength(3);
  });

  it('takes 16 people in all (players and spectators); the 17th, whatever their link, hears the viewer limit', async () => {
    const { room, inviteUrl, spectatorUrl } = await h.rooms.create(h.session('alice'), 'Packed');
    // Spectators touch nothing in Discord, so they need no emulator user of their own.
    const viewer = (n: number) => ({ ...h.session('frank'), userId: `9${String(n).padStart(17, '0')}`, username: `viewer${n}` });
    await h.rooms.redeem(h.session('frank'), tokenOf(spectatorUrl));
    for (let n = 2; n <= 15; n++) await h.rooms.redeem(viewer(n), tokenOf(spectatorUrl));
    expect((await h.store.get(room.id))!.spectators).toHaveLength(15);

    const error = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as AppError);
    const seventeenth = await error(h.rooms.redeem(viewer(16), tokenOf(spectatorUrl)));
    expect(seventeenth).toMatchObject({ status: 409, options: { reason: 'viewers_full' } });
    expect(seventeenth?.message).toMatch(/16 of 16/);

    // One player (the host) and every seat but that free: the refusal is still the viewer limit.
    const requestsBefore = await requestCount();
    const player = await error(h.rooms.redeem(h.session('bob'), tokenOf(inviteUrl)));
    expect(player).toMatchObject({ status: 409, options: { reason: 'viewers_full' } });
    expect(player?.message).not.toMatch(/Room full|players are in/);
    expect(await requestCount()).toBe(requestsBefore);

    // A spectator already counted takes a seat: the number of people does not grow.
    await h.rooms.redeem(h.session('frank'), tokenOf(inviteUrl));
    expect((await h.store.get(room.id))!.players).toHaveLength(2);
  });

  it('marks someone in voice who is not in the room "not a player" once they have signed in to the site, else "in Discord only"', async () => {
    const { room } = await h.rooms.create(h.session('alice'), 'Who is that');
    const dave = h.session('dave');
    const grace = h.session('grace');
    // dave signed in to the site (never to this room); grace never did. A moderator drags both in.
    await h.siteUsers.remember(dave.userId);
    await h.control('voice', { userId: 'dave', channelId: room.channelId, force: true });
    await h.control('voice', { userId: 'grace', channelId: room.channelId, force: true });
    await h.waitFor(() => h.gateway.cache.membersIn(room.guildId, room.channelId).size === 2, 'both in voice');

    const voice = (await h.rooms.snapshot(room.id))!.voice;
    expect(voice.find((m) => m.userId === dave.userId)).toMatchObject({ username: 'dave', signedIn: true });
    expect(voice.find((m) => m.userId === grace.userId)).toMatchObject({ username: 'grace', signedIn: false });
    expect((await h.store.get(room.id))!.players).toEqual([room.creatorId]);

    // The live event says the same as the snapshot.
    await h.waitFor(() => h.published.some((m) => m.event === 'voice.joined' && JSON.stringify(m.payload).includes(dave.userId)), 'dave’s voice event');
    const event = h.published.find((m) => m.event === 'voice.joined' && JSON.stringify(m.payload).includes(dave.userId));
    expect(JSON.stringify(event?.payload)).toContain('"signedIn":true');
    await h.control('voice', { userId: 'dave', channelId: null });
    await h.control('voice', { userId: 'grace', channelId: null });
  });

  it('lets spectators watch without a role and outside the player count', async () => {
    const { room, spectatorUrl, inviteUrl } = await h.rooms.create(h.session('alice'), 'Watch me');
    await h.rooms.redeem(h.session('frank'), tokenOf(spectatorUrl));
    const frank = (await h.discordState()).members.find((m) => m.username === 'frank')!;
    expect(frank.roles).not.toContain(room.roleId);
    expect(await h.rooms.canView(room.id, frank.userId)).toBe(true);
    for (const name of ['bob', 'carol', 'dave']) await h.rooms.redeem(h.session(name), tokenOf(inviteUrl));
    const snapshot = (await h.rooms.snapshot(room.id))!;
    expect(snapshot.players.map((p) => p.username)).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(snapshot.spectators.map((p) => p.username)).toEqual(['frank']);
  });

  it('answers tampered (400), expired (410), other-guild (410) and closed-room (410) invites clearly', async () => {
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Guarded');
    const token = tokenOf(inviteUrl);
    await expectAppError(h.rooms.redeem(h.session('bob'), `${token.slice(0, -3)}abc`), 400, /not valid/);

    const invites = new InviteTokens(SECRET);
    const foreign = await invites.issue({ roomId: room.id, guildId: '999999999999999999', channelId: room.channelId, roleId: room.roleId, creatorId: room.creatorId, kind: 'player' }, h.clock.now());
    // Rooms may be in any server (issue 17): a link naming another server than its room's finds no such room there.
    await expectAppError(h.rooms.redeem(h.session('bob'), foreign.token), 410, /closed/);

    await h.clock.advance(24 * 3600 * 1000 + 1000);
    await expectAppError(h.rooms.redeem(h.session('bob'), token), 410, /expired/);

    const fresh = await h.rooms.inviteUrl(room, 'player');
    await h.rooms.closeFor(room.id, 'closed');
    await expectAppError(h.rooms.redeem(h.session('bob'), tokenOf(fresh)), 410, /closed/);
  });
});

describe('access', () => {
  it('shows a room to members only and lets only the creator close it', async () => {
    const { room } = await h.rooms.create(h.session('alice'), 'Private');
    await expectAppError(h.rooms.getForMember(room.id, h.session('bob').userId), 403);
    await expectAppError(h.rooms.getForMember('unknownroom', h.session('bob').userId), 404);
    await expectAppError(h.rooms.closeByUser(h.session('bob'), room.id), 403);
    expect(await h.store.get(room.id)).not.toBeNull();
    expect(await h.rooms.viewAccess(room.id, h.session('alice').userId)).toBe('allowed');
    expect(await h.rooms.viewAccess(room.id, h.session('bob').userId)).toBe('denied');
    expect(await h.rooms.viewAccess('unknownroom', h.session('bob').userId)).toBe('denied');
    // A closed room is told apart, so a tab that subscribes after its room.deleted learns it is gone.
    await h.rooms.closeByUser(h.session('alice'), room.id);
    expect(await h.rooms.viewAccess(room.id, h.session('alice').userId)).toBe('closed');
  });
});

describe('close', () => {
  it('deletes channel and role, tells viewers, and a second close changes nothing', async () => {
    const { room } = await h.rooms.create(h.session('alice'), 'Short game');
    await h.rooms.closeByUser(h.session('alice'), room.id);
    const state = await h.discordState();
    expect(state.channels.some((c) => c.id === room.channelId)).toBe(false);
    expect(state.roles.some((r) => r.id === room.roleId)).toBe(false);
    expect(h.published.filter((m) => m.topic === `room:${room.id}`).map((m) => m.event)).toEqual(['room.deleted']);

    const requestsBefore = await requestCount();
    await h.rooms.closeByUser(h.session('alice'), room.id);
    expect(await requestCount()).toBe(requestsBefore);
    expect(h.published.filter((m) => m.event === 'room.deleted')).toHaveLength(1);
  });

  it('finishes the job when the channel is deleted by hand in Discord', async () => {
    const { room } = await h.rooms.create(h.session('alice'), 'Hand deleted');
    await h.rest.deleteChannel(room.channelId);
    await h.waitFor(() => h.published.some((m) => m.event === 'room.deleted' && m.payload.roomId === room.id), 'room.deleted');
    expect(h.published.find((m) => m.event === 'room.deleted')?.payload).toMatchObject({ reason: 'channel_deleted' });
    expect((await h.discordState()).roles.some((r) => r.id === room.roleId)).toBe(false);
    expect(await h.store.get(room.id)).toBeNull();
  });
});

describe('voice', () => {
  it('moves a player who is in voice elsewhere, and offers a Discord link to one who is not', async () => {
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Voice test');
    await h.rooms.redeem(h.session('bob'), tokenOf(inviteUrl));
    const lounge = (await h.discordState()).channels.find((c) => c.name === 'Lounge')!;
    await h.control('voice', { userId: 'alice', channelId: lounge.id });
    await h.waitFor(() => h.gateway.cache.channelOf(h.emulator.guildId, h.session('alice').userId) === lounge.id, 'alice in Lounge');

    expect(await h.rooms.joinVoice(h.session('alice'), room.id)).toEqual({ action: 'moved', channelId: room.channelId });
    const state = await h.discordState();
    expect(state.voiceStates.find((v) => v.user_id === h.session('alice').userId)?.channel_id).toBe(room.channelId);

    expect(await h.rooms.joinVoice(h.session('bob'), room.id)).toEqual({
      action: 'open-in-discord',
      url: `https://discord.com/channels/${h.emulator.guildId}/${room.channelId}`,
    });
  });

  it('streams voice changes in the room channel as room events with a contiguous seq', async () => {
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Presence');
    await h.rooms.redeem(h.session('bob'), tokenOf(inviteUrl));
    await h.control('voice', { userId: 'bob', channelId: room.channelId });
    await h.control('voice', { userId: 'bob', channelId: room.channelId, selfMute: true });
    await h.control('voice', { userId: 'bob', channelId: null });
    const topic = `room:${room.id}`;
    await h.waitFor(() => h.published.some((m) => m.topic === topic && m.event === 'voice.left'), 'voice.left');
    const stream = h.published.filter((m) => m.topic === topic);
    expect(stream.map((m) => m.event)).toEqual(['room.updated', 'voice.joined', 'voice.updated', 'voice.left']);
    expect(stream.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(stream[1]?.payload).toMatchObject({ member: { username: 'bob', signedIn: true, selfMute: false } });
    expect(stream[2]?.payload).toMatchObject({ member: { selfMute: true } });
  });
});

describe('cleanup', () => {
  it('warns an idle room after an hour, then closes it 30 s later', async () => {
    const { room } = await h.rooms.create(h.session('alice'), 'Forgotten');
    h.cleanup.start();
    try {
      await h.clock.advance(55 * 60_000);
      expect(h.published.filter((m) => m.topic === `room:${room.id}`).map((m) => m.event)).toEqual([]);
      await h.clock.advance(5 * 60_000); // the run at the hour
      expect(h.published.find((m) => m.event === 'room.closing')?.payload).toMatchObject({ secondsLeft: 30 });
      await h.clock.advance(29_000);
      expect(h.published.some((m) => m.event === 'room.deleted')).toBe(false);
      await h.clock.advance(1_000);
      // The close makes REST calls to the emulator: wait for their outcome, not for a number of event-loop turns.
      await h.waitFor(() => h.published.some((m) => m.event === 'room.deleted'), 'the idle close');
      expect(h.published.some((m) => m.event === 'room.deleted' && m.payload.reason === 'idle')).toBe(true);
      expect((await h.discordState()).channels.some((c) => c.id === room.channelId)).toBe(false);
    } finally {
      h.cleanup.stop();
    }
  });

  it('keeps a room when someone shows up during the warning', async () => {
    const { room } = await h.rooms.create(h.session('alice'), 'Saved');
    h.cleanup.start();
    try {
      await h.clock.advance(60 * 60_000);
      expect(h.published.some((m) => m.event === 'room.closing')).toBe(true);
      await h.clock.advance(10_000);
      // A viewer opens the page (or presses "Keep room open"): the hub reports the arrival.
      await h.cleanup.noteActivity(room.id);
      expect(h.published.some((m) => m.event === 'room.closing.cancelled')).toBe(true);
      await h.clock.advance(30_000);
      expect(h.published.some((m) => m.event === 'room.deleted')).toBe(false);
      expect(await h.store.get(room.id)).not.toBeNull();
    } finally {
      h.cleanup.stop();
    }
  });

  it('leaves rooms with someone in voice alone', async () => {
    const { room } = await h.rooms.create(h.session('alice'), 'Busy');
    await h.control('voice', { userId: 'alice', channelId: room.channelId });
    await h.waitFor(() => h.gateway.cache.membersIn(h.emulator.guildId, room.channelId).size === 1, 'alice in the room');
    h.cleanup.start();
    try {
      await h.clock.advance(3 * 60 * 60_000);
      expect(h.published.some((m) => m.event === 'room.closing')).toBe(false);
    } finally {
      h.cleanup.stop();
    }
  });
});

describe('restart', () => {
  it('reads back rooms the store does not know, with their own id, and closes stored rooms whose channel is gone', async () => {
    const kept = await h.rooms.create(h.session('alice'), 'Survivor');
    const gone = await h.rooms.create(h.session('bob'), 'Goner');
    // A restart with a store that remembers only "Goner", whose channel someone deleted meanwhile.
    const store = new MemoryRoomStore(() => h.clock.now());
    await store.insert(gone.room);
    await h.rest.deleteChannel(gone.room.channelId, {});
    const restarted = h.restart(store);
    const result = await reconcileRooms({
      rooms: restarted,
      discord: h.roomDiscord,
      clock: h.clock,
      log: pino({ level: 'silent' }),
    });
    expect(result.closed).toEqual([gone.room.id]);
    expect(result.restored).toEqual([kept.room.id]);
    expect(await store.get(kept.room.id)).toMatchObject({ name: 'Survivor', channelId: kept.room.channelId, roleId: kept.room.roleId, creatorId: h.session('alice').userId });
    expect((await h.discordState()).roles.some((r) => r.id === gone.room.roleId)).toBe(false);
  });
});

async function requestCount(): Promise<number> {
  const state = (await (await fetch(`${h.emulator.controlUrl}/state`)).json()) as { requestCounts: Record<string, number> };
  return Object.values(state.requestCounts).reduce((a, b) => a + b, 0);
}

describe('what the rooms part publishes', () => {
  it('is what the protocol describes: every event of a room\'s life reads back as a ServerEvent, room events numbered', async () => {
    const { room, inviteUrl, spectatorUrl } = await h.rooms.create(h.session('alice'), 'A whole life');
    await h.rooms.redeem(h.session('bob'), tokenOf(inviteUrl));
    await h.rooms.redeem(h.session('carol'), tokenOf(spectatorUrl));
    await h.control('voice', { userId: 'bob', channelId: room.channelId });
    await h.control('voice', { userId: 'bob', channelId: room.channelId, selfMute: true });
    await h.control('voice', { userId: 'bob', channelId: null });
    await h.waitFor(() => h.published.some((m) => m.event === 'voice.left'), 'voice.left');
    h.cleanup.start();
    try {
      await h.clock.advance(60 * 60_000);
      await h.cleanup.noteActivity(room.id);
    } finally {
      h.cleanup.stop();
    }
    await h.rooms.closeByUser(h.session('alice'), room.id);

    expect([...new Set(h.published.map((m) => m.event))].sort()).toEqual(
      ['lobby.rooms', 'room.closing', 'room.closing.cancelled', 'room.deleted', 'room.updated', 'voice.joined', 'voice.left', 'voice.updated'],
    );
    for (const m of h.published) {
      // As the hub writes it: a room event carries its seq in its payload.
      const payload = m.seq === null ? m.payload : { ...m.payload, seq: m.seq };
      expect(ServerEvent.safeParse({ event: m.event, payload }).error, m.event).toBeUndefined();
      expect(m.seq !== null, m.event).toBe(isRoomEvent(m.event));
    }
    // Voice events say when Discord's dispatch arrived (the delivery latency starts there).
    for (const m of h.published) if (m.event.startsWith('voice.')) expect((m.payload as { receivedAt?: number }).receivedAt).toBeGreaterThan(0);
  });
});
