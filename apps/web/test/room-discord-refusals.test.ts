import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toAppError } from '../src/server/errors.ts';
import { type RoomsHarness, roomsHarness } from './rooms-harness.ts';
import { appErrorOf } from './app-error.ts';

/**
 * Discord answering "unknown" to a seat or a move (R-AUTH4): the world changed since the user
 * signed in or since the room was made; that is the user's 403 or the room's 410, not a 502.
 * Against the emulator: its state is changed underneath the app, as a person in Discord would.
 */
let h: RoomsHarness;
beforeEach(async () => {
  h = await roomsHarness();
});
afterEach(async () => {
  await h?.close();
});

const tokenOf = (url: string) => url.split('/invite/')[1]!;
const id = (name: string) => h.session(name).userId;

const failure = (promise: Promise<unknown>) => appErrorOf(promise);

async function lounge(): Promise<string> {
  return (await h.discordState()).channels.find((c) => c.name === 'Lounge')!.id;
}

describe('a seat Discord refuses', () => {
  it('answers 403 not_a_member to a player who left the server since signing in, gives the seat back, and the room lives on', async () => {
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Left already');
    h.emulator.state.removeMember(h.emulator.guildId, id('bob'));
    const error = await failure(h.rooms.redeem(h.session('bob'), tokenOf(inviteUrl)));
    expect(error.status).toBe(403);
    expect(error.message).toBe('You are no longer a member of the Discord server. Join it again, then try once more.');
    expect(error.options.reason).toBe('not_a_member');
    expect((await h.store.get(room.id))?.players).toEqual([id('alice')]);
    expect((await h.discordState()).roles.some((r) => r.id === room.roleId)).toBe(true);
    // Carol, still a member, takes the seat as usual.
    await h.rooms.redeem(h.session('carol'), tokenOf(inviteUrl));
    expect((await h.store.get(room.id))?.players).toEqual([id('alice'), id('carol')]);
  });

  it('closes the room whose role was deleted by hand and answers 410 room_closed: channel gone, tombstone kept, viewers told', async () => {
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Role deleted');
    await h.rest.deleteRole(h.emulator.guildId, room.roleId);
    h.published.length = 0;
    const error = await failure(h.rooms.redeem(h.session('bob'), tokenOf(inviteUrl)));
    expect(error.status).toBe(410);
    expect(error.options.reason).toBe('room_closed');
    expect(await h.store.get(room.id)).toBeNull();
    expect(await h.store.closedAt(room.id)).toBe(h.clock.now());
    expect((await h.discordState()).channels.some((c) => c.id === room.channelId)).toBe(false);
    expect(h.published.some((m) => m.event === 'room.deleted')).toBe(true);
    // The link says closed from now on, without asking Discord.
    expect((await failure(h.rooms.redeem(h.session('carol'), tokenOf(inviteUrl)))).options.reason).toBe('room_closed');
  });

  it('still answers 502 to another Discord refusal (a 403 of its own), and the room lives on', async () => {
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Other refusal');
    await h.control('faults', { kind: 'rest.status', method: 'PUT', route: '/guilds/:id/members/:id/roles/:id', status: 403, count: 1 });
    const thrown = await h.rooms.redeem(h.session('bob'), tokenOf(inviteUrl)).then(
      () => expect.fail('expected a failure'),
      (e: unknown) => e,
    );
    // Left to the one mapping: Discord refused, the user sees a 502.
    expect(toAppError(thrown).status).toBe(502);
    expect((await h.store.get(room.id))?.players).toEqual([id('alice')]);
    expect(await h.store.get(room.id)).not.toBeNull();
  });
});

describe('a move Discord refuses', () => {
  it('answers 403 not_a_member to a player who left the server while the app was not told yet', async () => {
    const { room, inviteUrl } = await h.rooms.create(h.session('alice'), 'Move gone member');
    await h.rooms.redeem(h.session('bob'), tokenOf(inviteUrl));
    await h.control('voice', { userId: 'bob', channelId: await lounge() });
    await h.waitFor(() => h.gateway.cache.channelOf(h.emulator.guildId, id('bob')) !== null, 'bob in voice');
    // The Gateway is down: the app's voice view still has bob in the Lounge.
    await h.gateway.stop();
    h.emulator.state.removeMember(h.emulator.guildId, id('bob'));
    const error = await failure(h.rooms.joinVoice(h.session('bob'), room.id));
    expect(error.status).toBe(403);
    expect(error.options.reason).toBe('not_a_member');
    expect(await h.store.get(room.id)).not.toBeNull();
  });

  it('closes the room whose channel was deleted while the app was not told, and answers 410 room_closed', async () => {
    const { room } = await h.rooms.create(h.session('alice'), 'Channel deleted');
    await h.control('voice', { userId: 'alice', channelId: await lounge() });
    await h.waitFor(() => h.gateway.cache.channelOf(h.emulator.guildId, id('alice')) !== null, 'alice in voice');
    await h.gateway.stop();
    await h.rest.deleteChannel(room.channelId);
    const error = await failure(h.rooms.joinVoice(h.session('alice'), room.id));
    expect(error.status).toBe(410);
    expect(error.options.reason).toBe('room_closed');
    expect(await h.store.get(room.id)).toBeNull();
    expect((await h.discordState()).roles.some((r) => r.id === room.roleId)).toBe(false);
  });
});
