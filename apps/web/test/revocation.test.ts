import { afterEach, describe, expect, it } from 'vitest';
import type { Session } from '../src/server/auth/session.ts';
import { toAppError } from '../src/server/errors.ts';
import type { Hub } from '../src/server/realtime/hub.ts';
import { hubSuite, openTab } from './hub-tab.ts';
import { roomTopic } from '../src/server/rooms/room-events.ts';
import type { RoomsHarness } from './rooms-harness.ts';
import { voiceMember } from '@repo/protocol/testing';

/**
 * Access revocation end to end (issue 20): RoomService against the emulator, its events through
 * the bus into a real Hub, as services.ts wires them. A "tab" is a hub connection that records
 * every frame written to it.
 */
let h: RoomsHarness;
let hub: Hub;
hubSuite(['alice', 'bob'], (parts) => ({ h, hub } = parts));

const tokenOf = (url: string) => url.split('/invite/')[1]!;

interface Tab {
  frames: Array<Record<string, unknown>>;
  /** Events on the room's stream after the snapshot, as `event`. */
  events(): string[];
  errors(): Array<Record<string, unknown>>;
}

let tabs = 0;
async function tab(userId: string, roomId: string): Promise<Tab> {
  const frames = await openTab(hub, `tab${tabs++}`, userId, roomId);
  return {
    frames,
    events: () =>
      frames
        .filter((f) => f.type === 'event' && f.event !== 'room.snapshot' && (f.payload as { roomId?: string }).roomId === roomId)
        .map((f) => String(f.event)),
    errors: () => frames.filter((f) => f.type === 'error'),
  };
}

/** alice goes into the room's voice channel and out again: a voice.joined and a voice.left on its stream. */
async function voiceInAndOut(channelId: string, watcher: Tab): Promise<void> {
  const before = watcher.events().filter((e) => e === 'voice.left').length;
  await h.control('voice', { userId: 'alice', channelId });
  await h.control('voice', { userId: 'alice', channelId: null });
  await h.waitFor(() => watcher.events().filter((e) => e === 'voice.left').length > before, 'voice.left');
}

const ROLE_GRANT = '/guilds/:id/members/:id/roles/:id';

let restoreGrant: (() => void) | undefined;
afterEach(() => {
  restoreGrant?.();
});

/**
 * Holds the next role grant at the Discord boundary (RoomDiscord.addPlayer) until `release()`:
 * `reached` resolves once the seat is stored and the grant asked for. The grant itself then goes to
 * the emulator as usual. One grant only: the ones after it go straight through.
 */
function holdRoleGrant(): { reached: Promise<void>; release: () => void } {
  const discord = h.roomDiscord;
  const addPlayer = discord.addPlayer;
  let arrive = () => {};
  let release = () => {};
  const reached = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  restoreGrant = () => {
    discord.addPlayer = addPlayer;
    restoreGrant = undefined;
  };
  discord.addPlayer = async (userId, roleId) => {
    restoreGrant?.();
    arrive();
    await released;
    return addPlayer.call(discord, userId, roleId);
  };
  return { reached, release };
}

async function failedRedeem(promise: Promise<unknown>): Promise<number> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected the redeem to fail').toBeDefined();
  return toAppError(error).status;
}

describe('a seat given back when the role grant fails', () => {
  it('ends the tab that subscribed while the seat was held: the error frame, then no voice events (the issue, as reported)', async () => {
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Given back');
    const host = await tab(h.session('alice').userId, room.id);
    const frank = h.session('frank');

    // The seat is stored before the role is granted: the grant is held at the Discord boundary until
    // a tab has subscribed in between, then goes to the emulator, which refuses it.
    await h.control('faults', { kind: 'rest.status', method: 'PUT', route: ROLE_GRANT, status: 403, count: 1 });
    const grant = holdRoleGrant();
    const redeeming = failedRedeem(h.rooms.redeem(frank, tokenOf(inviteUrl)));
    await grant.reached;
    expect((await h.store.get(room.id))?.players).toContain(frank.userId);
    const intruder = await tab(frank.userId, room.id);
    expect(intruder.frames.map((f) => f.event ?? f.code)).toEqual(['auth.ok', 'gateway.status', 'subscribed', 'room.snapshot']);

    grant.release();
    expect(await redeeming).toBe(502);
    expect(intruder.errors()).toEqual([expect.objectContaining({ code: 'forbidden', room: room.id, error: 'You cannot watch this room.' })]);

    await voiceInAndOut(room.channelId, host);
    expect(host.events()).toEqual(['voice.joined', 'voice.left']);
    expect(intruder.events()).toEqual([]);
    expect(hub.viewers(room.id)).toBe(1);
  });

  it('leaves seats and players as before: the user is out, and the seat goes to the next person', async () => {
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Last seat');
    for (const name of ['bob', 'carol']) await h.rooms.redeem(h.session(name), tokenOf(inviteUrl));
    const before = await h.store.get(room.id);

    await h.control('faults', { kind: 'rest.status', method: 'PUT', route: ROLE_GRANT, status: 403, count: 1 });
    const dave = h.session('dave');
    expect(await failedRedeem(h.rooms.redeem(dave, tokenOf(inviteUrl)))).toBe(502);

    const seats = async () => {
      const r = await h.store.get(room.id);
      return { players: r?.players, spectators: r?.spectators };
    };
    expect(await seats()).toEqual({ players: before?.players, spectators: before?.spectators });
    expect(await h.rooms.viewAccess(room.id, dave.userId)).toBe('denied');
    expect((await h.discordState()).members.find((m) => m.userId === dave.userId)?.roles).not.toContain(room.roleId);
    // The fourth and last seat is free again: the invite still works for someone else.
    const after = await h.rooms.redeem(h.session('erin'), tokenOf(inviteUrl));
    expect(after.players).toEqual([...before!.players, h.session('erin').userId]);
  });

  it('gives a spectator who failed to become a player their spectator place back, and their tab keeps watching', async () => {
    const { room, inviteUrl, spectatorUrl } = await h.rooms.create(h.session('alice'), 'Watcher');
    const grace = h.session('grace');
    await h.rooms.redeem(grace, tokenOf(spectatorUrl));
    const before = await h.store.get(room.id);
    const watching = await tab(grace.userId, room.id);

    await h.control('faults', { kind: 'rest.status', method: 'PUT', route: ROLE_GRANT, status: 403, count: 1 });
    expect(await failedRedeem(h.rooms.redeem(grace, tokenOf(inviteUrl)))).toBe(502);

    const after = await h.store.get(room.id);
    expect({ players: after?.players, spectators: after?.spectators }).toEqual({ players: before?.players, spectators: before?.spectators });
    expect(await h.rooms.viewAccess(room.id, grace.userId)).toBe('allowed');
    expect(watching.errors()).toEqual([]);
    const host = await tab(h.session('alice').userId, room.id);
    await voiceInAndOut(room.channelId, host);
    expect(watching.events()).toEqual(['voice.joined', 'voice.left']);
  });
});

describe('a member leaving the guild', () => {
  it('loses the room: the error frame, no more voice events, and the others see them gone', async () => {
    const created = (await (await h.control('users', { username: 'ivan', globalName: 'Ivan' })).json()) as { user: { id: string; username: string } };
    const ivan: Session = {
      userId: created.user.id,
      username: created.user.username,
      globalName: 'Ivan',
      avatar: null,
      accessToken: 'unused',
      refreshToken: 'unused',
      accessTokenExpiresAt: Number.MAX_SAFE_INTEGER,
    };
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Leavers');
    await h.rooms.redeem(ivan, tokenOf(inviteUrl));
    const host = await tab(h.session('alice').userId, room.id);
    const leaver = await tab(ivan.userId, room.id);

    h.emulator.state.removeMember(h.emulator.guildId, ivan.userId);
    await h.waitFor(() => leaver.errors().length > 0, 'the revocation');
    expect(leaver.errors()).toEqual([expect.objectContaining({ code: 'forbidden', room: room.id })]);
    await h.waitFor(() => host.events().includes('room.updated'), 'room.updated');
    expect((await h.store.get(room.id))?.players).toEqual([h.session('alice').userId]);

    await voiceInAndOut(room.channelId, host);
    expect(host.events()).toEqual(['room.updated', 'voice.joined', 'voice.left']);
    // Not even the room.updated that announced their leaving: it was published after the revocation.
    expect(leaver.events()).toEqual([]);
  });
});

describe('a room closed', () => {
  it('ends every subscription after room.deleted; nothing published later on its topic reaches anyone', async () => {
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Closing time');
    await h.rooms.redeem(h.session('bob'), tokenOf(inviteUrl));
    const tabs = [await tab(h.session('alice').userId, room.id), await tab(h.session('bob').userId, room.id)];
    expect(hub.viewers(room.id)).toBe(2);

    await h.rooms.closeByUser(h.session('alice'), room.id);
    await h.bus.publish(roomTopic(room.id), 'voice.joined', { roomId: room.id, member: voiceMember('late') });

    for (const t of tabs) {
      expect(t.events()).toEqual(['room.deleted']);
      expect(t.errors()).toEqual([expect.objectContaining({ code: 'not_found', error: 'This room has been closed.', room: room.id })]);
    }
    expect(hub.viewers(room.id)).toBe(0);
  });
});
