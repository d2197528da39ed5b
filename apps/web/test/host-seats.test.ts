import { PermissionFlagsBits as P } from 'discord-api-types/v10';
import { beforeEach, describe, expect, it } from 'vitest';
import { toAppError } from '../src/server/errors.ts';
import type { Hub } from '../src/server/realtime/hub.ts';
import { handOver } from '../src/server/rooms/room-api.ts';
import { HOST_MARK } from '../src/server/rooms/room-in-discord.ts';
import { appErrorOf } from './app-error.ts';
import { hubSuite, openTab } from './hub-tab.ts';
import type { DiscordState, RoomsHarness } from './rooms-harness.ts';

/**
 * Seats under the host's control (issue 19) against the emulator, its events through a real Hub:
 * removing a player or spectator (barred until new links), leaving (a host's leaving hands over or
 * closes), handing over by hand and when the host leaves the Discord server, and the undo paths
 * (Discord failing half-way changes nothing the room's people see; the same request again
 * finishes). Discord's own state (roles, voice, overwrites) is read from the emulator.
 */
let h: RoomsHarness;
let hub: Hub;
hubSuite(['alice', 'bob', 'carol'], (parts) => ({ h, hub } = parts));
beforeEach(() => {
  h.published.length = 0;
});

const tokenOf = (url: string) => url.split('/invite/')[1]!;
const id = (name: string) => h.session(name).userId;
const me = (name: string) => h.session(name);
let tabs = 0;
const tab = (name: string, roomId: string) => openTab(hub, `seat-tab-${tabs++}`, id(name), roomId);

/** alice hosts; bob and dave play; carol watches. */
async function table() {
  const created = await h.rooms.create(me('alice'), 'Friday Magic');
  const spectatorUrl = await h.rooms.inviteUrl(created.room, 'spectator');
  for (const name of ['bob', 'dave']) await h.rooms.redeem(me(name), tokenOf(created.inviteUrl));
  await h.rooms.redeem(me('carol'), tokenOf(spectatorUrl));
  return { room: created.room, player: tokenOf(created.inviteUrl), spectator: tokenOf(spectatorUrl) };
}

const overwrite = (state: DiscordState, channelId: string, userId: string) => state.channels.find((c) => c.id === channelId)?.permission_overwrites?.find((o) => o.id === userId);
const rolesOf = (state: DiscordState, userId: string) => state.members.find((m) => m.userId === userId)?.roles ?? [];
const voiceOf = (state: DiscordState, userId: string) => state.voiceStates.find((v) => v.user_id === userId)?.channel_id ?? null;
const marked = (state: DiscordState, channelId: string) =>
  (state.channels.find((c) => c.id === channelId)?.permission_overwrites ?? []).filter((o) => o.type === 1 && (BigInt(o.allow) & HOST_MARK) !== 0n).map((o) => o.id);

async function inVoice(name: string, channelId: string): Promise<void> {
  await h.control('voice', { userId: name, channelId });
  await h.waitFor(() => h.gateway.cache.channelOf(h.emulator.guildId, id(name)) === channelId, `${name} in voice`);
}

async function refusal(promise: Promise<unknown>) {
  const error = await appErrorOf(promise);
  return { status: error.status, reason: error.options.reason };
}

const lastError = (frames: Array<Record<string, unknown>>) => frames.filter((f) => f.type === 'error').at(-1);

describe('remove', () => {
  it('takes a player out: role gone, out of voice, barred from the channel, seat free, their tabs told "removed", everyone updated', async () => {
    const { room, player, spectator } = await table();
    await inVoice('bob', room.channelId);
    const bobsTab = await tab('bob', room.id);
    const alicesTab = await tab('alice', room.id);
    await h.rooms.remove(me('alice'), room.id, id('bob'));

    const state = await h.discordState();
    expect(rolesOf(state, id('bob'))).not.toContain(room.roleId);
    expect(voiceOf(state, id('bob'))).toBeNull();
    expect(overwrite(state, room.channelId, id('bob'))).toEqual({ id: id('bob'), type: 1, allow: '0', deny: String(P.ViewChannel | P.Connect) });
    expect(await h.store.get(room.id)).toMatchObject({ players: [id('alice'), id('dave')], barred: [id('bob')] });
    expect(lastError(bobsTab)).toMatchObject({ code: 'forbidden', room: room.id, reason: 'removed' });
    const update = alicesTab.filter((f) => f.event === 'room.updated').at(-1);
    expect((update?.payload as { players: Array<{ userId: string }> }).players.map((p) => p.userId)).toEqual([id('alice'), id('dave')]);
    expect(h.published.some((m) => m.topic === `user:${id('bob')}` && m.event === 'lobby.rooms')).toBe(true);

    // Their links (both kinds) refuse them until new links; anyone else still gets in with them.
    const removed = { status: 403, reason: 'removed' };
    for (const token of [player, spectator]) {
      expect(await refusal(h.rooms.openInvite(token, id('bob')))).toEqual(removed);
      expect(await refusal(h.rooms.redeem(me('bob'), token))).toEqual(removed);
    }
    expect((await appErrorOf(h.rooms.redeem(me('bob'), player))).message).toBe('The host removed you from this room.');
    expect((await h.rooms.redeem(me('erin'), player)).players).toContain(id('erin'));

    // New links: the bar goes in Discord and in the store; the old link is replaced, the new one seats bob again.
    const fresh = await h.rooms.rotateLinks(me('alice'), room.id);
    expect(overwrite(await h.discordState(), room.channelId, id('bob'))).toBeUndefined();
    expect(await refusal(h.rooms.redeem(me('bob'), player))).toEqual({ status: 410, reason: 'invite_replaced' });
    expect((await h.rooms.redeem(me('bob'), tokenOf(fresh.inviteUrl))).players).toContain(id('bob'));
  });

  it('takes a spectator out (barred the same way); refuses the host (400) and someone not in the room (404)', async () => {
    const { room, spectator } = await table();
    const carolsTab = await tab('carol', room.id);
    expect(await refusal(h.rooms.remove(me('alice'), room.id, id('alice')))).toEqual({ status: 400, reason: 'cannot_remove_host' });
    expect(await refusal(h.rooms.remove(me('alice'), room.id, id('erin')))).toEqual({ status: 404, reason: 'not_in_room' });
    await h.rooms.remove(me('alice'), room.id, id('carol'));
    expect(await h.store.get(room.id)).toMatchObject({ spectators: [], barred: [id('carol')] });
    expect(lastError(carolsTab)).toMatchObject({ reason: 'removed' });
    expect(BigInt(overwrite(await h.discordState(), room.channelId, id('carol'))?.deny ?? '0')).toBe(P.ViewChannel | P.Connect);
    expect(await refusal(h.rooms.redeem(me('carol'), spectator))).toEqual({ status: 403, reason: 'removed' });
    expect(await refusal(h.rooms.getForMember(room.id, id('carol')))).toEqual({ status: 403, reason: undefined });
  });

  it('undo path: Discord refusing the role removal leaves the player seated; the same request again finishes', async () => {
    const { room } = await table();
    await h.control('faults', { kind: 'rest.status', method: 'DELETE', route: '/guilds/:id/members/:id/roles/:id', status: 403, count: 1 });
    // What the door answers (toAppError): Discord refused, 502, our words only.
    expect(toAppError(await h.rooms.remove(me('alice'), room.id, id('bob')).catch((e: unknown) => e)).status).toBe(502);
    expect(await h.store.get(room.id)).toMatchObject({ players: [id('alice'), id('bob'), id('dave')], barred: [] });
    // Still seated, so not barred in Discord either: the bar written first was lifted again.
    expect(overwrite(await h.discordState(), room.channelId, id('bob'))).toBeUndefined();
    await h.rooms.remove(me('alice'), room.id, id('bob'));
    expect(await h.store.get(room.id)).toMatchObject({ players: [id('alice'), id('dave')], barred: [id('bob')] });
    expect(rolesOf(await h.discordState(), id('bob'))).not.toContain(room.roleId);
  });
});

describe('new links, undo path', () => {
  it('Discord refusing to lift a bar leaves the old links working and the bar kept; the same request again finishes', async () => {
    const { room, player } = await table();
    await h.rooms.remove(me('alice'), room.id, id('bob'));
    await h.control('faults', { kind: 'rest.status', method: 'DELETE', route: '/channels/:id/permissions/:id', status: 403, count: 1 });
    expect(toAppError(await h.rooms.rotateLinks(me('alice'), room.id).catch((e: unknown) => e)).status).toBe(502);
    expect(await h.store.get(room.id)).toMatchObject({ linkGeneration: 0, barred: [id('bob')] });
    expect((await h.rooms.openInvite(player)).room.id).toBe(room.id);
    const fresh = await h.rooms.rotateLinks(me('alice'), room.id);
    expect(await h.store.get(room.id)).toMatchObject({ linkGeneration: 1, barred: [] });
    expect((await h.discordState()).roles.find((r) => r.id === room.roleId)?.name).toBe(`room-${room.id}~1`);
    expect((await h.rooms.redeem(me('bob'), tokenOf(fresh.inviteUrl))).players).toContain(id('bob'));
  });
});

describe('leave', () => {
  it('a player gives the seat and role back, leaves voice, and their tabs are told "left"; a spectator leaves the same way', async () => {
    const { room } = await table();
    await inVoice('dave', room.channelId);
    const davesTab = await tab('dave', room.id);
    await h.rooms.leave(me('dave'), room.id);
    const state = await h.discordState();
    expect(rolesOf(state, id('dave'))).not.toContain(room.roleId);
    expect(voiceOf(state, id('dave'))).toBeNull();
    expect(overwrite(state, room.channelId, id('dave'))).toBeUndefined();
    expect(lastError(davesTab)).toMatchObject({ code: 'forbidden', reason: 'left' });
    const carolsTab = await tab('carol', room.id);
    await h.rooms.leave(me('carol'), room.id);
    expect(lastError(carolsTab)).toMatchObject({ reason: 'left' });
    expect(await h.store.get(room.id)).toMatchObject({ players: [id('alice'), id('bob')], spectators: [], barred: [] });
    // Leaving is not being removed: a link seats them again.
    expect(await refusal(h.rooms.leave(me('carol'), room.id))).toEqual({ status: 403, reason: undefined });
  });

  it('the host leaving hands hosting to the next player (mark moved, role given back); the host alone closes the room', async () => {
    const { room } = await table();
    await h.rooms.leave(me('alice'), room.id);
    let state = await h.discordState();
    expect(marked(state, room.channelId)).toEqual([id('bob')]);
    expect(rolesOf(state, id('alice'))).not.toContain(room.roleId);
    expect(await h.store.get(room.id)).toMatchObject({ creatorId: id('bob'), players: [id('bob'), id('dave')] });
    const updated = h.published.filter((m) => m.event === 'room.updated').at(-1);
    expect(updated?.payload).toMatchObject({ room: { creatorId: id('bob') } });

    await h.rooms.leave(me('dave'), room.id);
    await h.rooms.leave(me('bob'), room.id);
    expect(await h.store.get(room.id)).toBeNull();
    expect(h.published.filter((m) => m.event === 'room.deleted').at(-1)?.payload).toMatchObject({ roomId: room.id, reason: 'closed' });
    state = await h.discordState();
    expect(state.channels.some((c) => c.id === room.channelId)).toBe(false);
  });
});

describe('hand over', () => {
  it('to a seated player: the Priority Speaker mark moves, everyone is told; spectators (400) and strangers (404) are refused', async () => {
    const { room } = await table();
    expect(await refusal(h.rooms.handOver(me('alice'), room.id, id('carol')))).toEqual({ status: 400, reason: 'not_a_player' });
    expect(await refusal(h.rooms.handOver(me('alice'), room.id, id('erin')))).toEqual({ status: 404, reason: 'not_in_room' });
    const { room: info } = await handOver(h.rooms, me('alice'), room.id, id('dave'));
    expect(info.creatorId).toBe(id('dave'));
    const state = await h.discordState();
    expect(marked(state, room.channelId)).toEqual([id('dave')]);
    expect(rolesOf(state, id('alice'))).toContain(room.roleId);
    expect(await h.store.get(room.id)).toMatchObject({ creatorId: id('dave'), players: [id('dave'), id('alice'), id('bob')] });
    // The former host is a player now: host controls refuse them, the new host may remove them.
    expect(await refusal(h.rooms.setLocked(me('alice'), room.id, true))).toEqual({ status: 403, reason: 'not_host' });
    await h.rooms.remove(me('dave'), room.id, id('alice'));
    expect((await h.store.get(room.id))?.players).toEqual([id('dave'), id('bob')]);
  });

  it('is not refused by the open-rooms limit, which counts for creating only (rooms-api.md); the new host creates again once under it', async () => {
    const { room } = await table();
    const own: string[] = [];
    for (const name of ['Dave 1', 'Dave 2', 'Dave 3']) own.push((await h.rooms.create(me('dave'), name)).room.id);
    expect((await appErrorOf(h.rooms.create(me('dave'), 'Dave 4'))).status).toBe(409);
    // At the limit and handed a 4th room: hosting passes (a host leaving or leaving the server is never stuck).
    expect((await h.rooms.handOver(me('alice'), room.id, id('dave'))).creatorId).toBe(id('dave'));
    await h.rooms.closeFor(own[0]!, 'closed'); // 3 hosted: still at the limit
    expect((await appErrorOf(h.rooms.create(me('dave'), 'Dave 4'))).message).toMatch(/already have 3 open rooms/);
    await h.rooms.closeFor(own[1]!, 'closed'); // 2: under it
    expect((await h.rooms.create(me('dave'), 'Dave 4')).room.creatorId).toBe(id('dave'));
  });

  it('happens by itself when the host leaves the Discord server; the room closes when no player is left', async () => {
    const { room } = await table();
    h.emulator.state.removeMember(h.emulator.guildId, id('alice'));
    await h.waitFor(() => h.published.some((m) => m.event === 'room.updated' && (m.payload as { room: { creatorId: string } }).room.creatorId === id('bob')), 'the hand-over');
    await h.waitFor(() => h.published.filter((m) => m.event === 'room.updated').length >= 2, 'alice out of the room');
    expect(await h.store.get(room.id)).toMatchObject({ creatorId: id('bob'), players: [id('bob'), id('dave')] });
    expect(marked(await h.discordState(), room.channelId)).toEqual([id('bob')]);

    const alone = await h.rooms.create(me('erin'), 'Solo');
    h.emulator.state.removeMember(h.emulator.guildId, id('erin'));
    await h.waitFor(() => h.published.some((m) => m.event === 'room.deleted' && m.payload.roomId === alone.room.id), 'the lone host’s room closed');
    expect(await h.store.get(alone.room.id)).toBeNull();
  });
});
