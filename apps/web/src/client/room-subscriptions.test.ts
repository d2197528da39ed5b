import { beforeEach, describe, expect, it } from 'vitest';
import { type Harness, ROOM, answerSubscribe, connect, harness, member, snapshot, voiceIds } from './realtime-test-harness.ts';

// Room subscriptions (room-subscriptions.ts) and the lobby through the client's façade: snapshots
// then ordered events, gaps, refcounted watching, refusals and revocations, Discord coming back.

describe('RealtimeClient: rooms, lobby and Discord status', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });

  it('applies the snapshot, then events; a gap triggers a resubscribe and the fresh snapshot wins', async () => {
    h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(10, [member('alice')]));
    expect(h.client.room(ROOM)?.sync).toBe('live');

    s.frame({ type: 'event', event: 'voice.joined', payload: { roomId: ROOM, seq: 11, member: member('bob') } });
    s.frame({ type: 'event', event: 'voice.updated', payload: { roomId: ROOM, seq: 12, member: member('bob', { selfMute: true }) } });
    expect(voiceIds(h)).toEqual(['alice', 'bob']);
    expect(h.client.room(ROOM)?.view?.voice[1]?.selfMute).toBe(true);

    // seq 13 never arrives.
    s.frame({ type: 'event', event: 'voice.left', payload: { roomId: ROOM, seq: 14, userId: 'alice' } });
    expect(s.types().filter((t) => t === `subscribe:${ROOM}`)).toHaveLength(2);
    expect(h.client.room(ROOM)?.sync).toBe('resyncing');
    // Later events of the old stream do not trigger more resubscribes.
    s.frame({ type: 'event', event: 'voice.joined', payload: { roomId: ROOM, seq: 15, member: member('carol') } });
    expect(s.types().filter((t) => t === `subscribe:${ROOM}`)).toHaveLength(2);

    answerSubscribe(s, snapshot(15, [member('bob'), member('carol')]));
    expect(voiceIds(h)).toEqual(['bob', 'carol']);
    s.frame({ type: 'event', event: 'voice.left', payload: { roomId: ROOM, seq: 16, userId: 'bob' } });
    expect(voiceIds(h)).toEqual(['carol']);
  });

  it('resyncs every room when Discord comes back (R-RT9)', async () => {
    h.client.watchRoom(ROOM);
    h.client.watchRoom('room000002');
    const s = await connect(h);
    answerSubscribe(s, snapshot(1));
    answerSubscribe(s, snapshot(1, [], 'room000002'));
    const resyncs = h.client.getState().resyncs;
    s.frame({ type: 'event', event: 'gateway.status', payload: { live: false, state: 'RECONNECTING' } });
    expect(h.client.getState().gateway?.live).toBe(false);
    const before = s.sent.length;
    s.frame({ type: 'event', event: 'gateway.status', payload: { live: true, state: 'CONNECTED' } });
    expect(s.types().slice(before)).toEqual([`subscribe:${ROOM}`, 'subscribe:room000002']);
    expect(h.client.getState().resyncs).toBe(resyncs + 1);
  });

  it('one socket for every watcher; the last one to leave unsubscribes', async () => {
    const s = await connect(h);
    const a = h.client.watchRoom(ROOM);
    const b = h.client.watchRoom(ROOM);
    expect(s.types().filter((t) => t.startsWith('subscribe'))).toHaveLength(1);
    a();
    a();
    expect(s.types()).not.toContain(`unsubscribe:${ROOM}`);
    b();
    expect(s.types()).toContain(`unsubscribe:${ROOM}`);
    expect(h.client.room(ROOM)).toBeUndefined();
    expect(h.sockets).toHaveLength(1);
  });

  it('marks a refused subscription failed (an error naming no room answers the oldest subscribe in flight)', async () => {
    h.client.watchRoom(ROOM);
    h.client.watchRoom('room-2');
    const s = await connect(h);
    s.frame({ type: 'error', code: 'rate_limited', error: 'At most 20 rooms per connection.' });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'failed', error: { code: 'rate_limited' } });
    s.frame({ type: 'error', code: 'forbidden', error: 'You cannot watch this room.' });
    expect(h.client.room('room-2')).toMatchObject({ sync: 'revoked', error: { code: 'forbidden' } });
  });

  it('a subscribe the server acknowledged is no longer in flight: an error naming no room answers the next one', async () => {
    h.client.watchRoom(ROOM);
    h.client.watchRoom('room-2');
    const s = await connect(h);
    s.frame({ type: 'ack', event: 'subscribed', room: ROOM });
    s.frame({ type: 'error', code: 'rate_limited', error: 'At most 20 rooms per connection.' });
    expect(h.client.room('room-2')).toMatchObject({ sync: 'failed', error: { code: 'rate_limited' } });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'pending', error: null });
  });

  it('forgets the subscribes in flight when the socket drops: after a reconnect the oldest is the new socket’s first', async () => {
    h.client.watchRoom(ROOM);
    h.client.watchRoom('room-2');
    const first = await connect(h);
    answerSubscribe(first, snapshot(1));
    // room-2's subscribe dies with this socket, unanswered.
    first.serverClose(1006);
    await h.clock.advance(h.clock.pending()[0]!);
    const s = h.socket();
    s.open();
    s.frame({ type: 'ack', event: 'auth.ok', userId: 'alice' });
    expect(s.types()).toEqual(['auth', `subscribe:${ROOM}`, 'subscribe:room-2']);
    s.frame({ type: 'error', code: 'rate_limited', error: 'At most 20 rooms per connection.' });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'failed', error: { code: 'rate_limited' } });
    expect(h.client.room('room-2')).toMatchObject({ sync: 'pending', error: null });
  });

  it('fails the room an error names, whichever subscribe was sent first', async () => {
    h.client.watchRoom(ROOM);
    h.client.watchRoom('room-2');
    const s = await connect(h);
    s.frame({ type: 'error', code: 'forbidden', error: 'You cannot watch this room.', room: 'room-2' });
    expect(h.client.room('room-2')).toMatchObject({ sync: 'revoked', error: { code: 'forbidden' } });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'pending' });
  });

  it('ends a live room the server revoked: no more events applied, no unsubscribe when leaving', async () => {
    const stop = h.client.watchRoom(ROOM);
    h.client.watchRoom('room000002');
    const s = await connect(h);
    answerSubscribe(s, snapshot(2, [member('bob')]));
    // the other room's subscribe is still in flight: the error names ROOM, so it must not be taken for the other room's answer.
    s.frame({ type: 'error', code: 'forbidden', error: 'You cannot watch this room.', room: ROOM });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'revoked', error: { code: 'forbidden', message: 'You cannot watch this room.' } });
    expect(h.client.room('room000002')).toMatchObject({ sync: 'pending', error: null });
    s.frame({ type: 'event', event: 'voice.left', payload: { roomId: ROOM, seq: 3, userId: 'bob' } });
    expect(voiceIds(h)).toEqual(['bob']);
    answerSubscribe(s, snapshot(0, [], 'room000002'));
    expect(h.client.room('room000002')).toMatchObject({ sync: 'live' });
    stop();
    expect(s.types()).not.toContain(`unsubscribe:${ROOM}`);
  });

  it('hands the revocation’s reason (removed by the host, left) to the room; an unknown reason makes the frame unreadable', async () => {
    h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(2));
    s.frame({ type: 'error', code: 'forbidden', error: 'You cannot watch this room.', room: ROOM, reason: 'kicked' });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'live' });
    s.frame({ type: 'error', code: 'forbidden', error: 'You cannot watch this room.', room: ROOM, reason: 'removed' });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'revoked', error: { code: 'forbidden', reason: 'removed' } });
  });

  it('ignores an error for a room this tab does not watch', async () => {
    h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(1));
    const before = h.client.room(ROOM);
    s.frame({ type: 'error', code: 'forbidden', error: 'You cannot watch this room.', room: 'elsewhere' });
    expect(h.client.room(ROOM)).toBe(before);
    expect(h.client.room('elsewhere')).toBeUndefined();
  });

  it('keeps a closed room closed when the end of its subscription follows room.deleted', async () => {
    h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(2));
    s.frame({ type: 'event', event: 'room.deleted', payload: { roomId: ROOM, seq: 3, reason: 'idle' } });
    s.frame({ type: 'error', code: 'not_found', error: 'This room has been closed.', room: ROOM });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'deleted', deleted: 'idle' });
  });

  it('ends a room at room.deleted without unsubscribing (the server already ended it)', async () => {
    const stop = h.client.watchRoom(ROOM);
    const s = await connect(h);
    answerSubscribe(s, snapshot(2));
    s.frame({ type: 'event', event: 'room.deleted', payload: { roomId: ROOM, seq: 3, reason: 'closed' } });
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'deleted', deleted: 'closed' });
    stop();
    expect(s.types()).not.toContain(`unsubscribe:${ROOM}`);
  });

  it('shows the seeded snapshot until the socket’s own arrives', async () => {
    h.client.watchRoom(ROOM, snapshot(4, [member('bob')]));
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'pending', view: { seq: 4 } });
    const s = await connect(h);
    answerSubscribe(s, snapshot(6, []));
    expect(h.client.room(ROOM)).toMatchObject({ sync: 'live', view: { seq: 6, voice: [] } });
  });

  it('keeps the lobby from live events; an HTTP fetch overtaken by an event is dropped', async () => {
    const s = await connect(h);
    const listing = (name: string) => ({ id: 'room000001', name, creatorId: 'alice', guildId: '100000000000000001', players: 1, playerLimit: 4, inVoice: 0, role: 'creator' as const });
    expect(h.client.lobby()).toBeNull();
    const before = h.client.lobby()?.version ?? 0;
    s.frame({ type: 'event', event: 'lobby.rooms', payload: { rooms: [listing('from the socket')] } });
    h.client.offerLobby([listing('stale fetch')], before);
    expect(h.client.lobby()?.rooms[0]?.name).toBe('from the socket');
    h.client.offerLobby([listing('fresh fetch')], h.client.lobby()!.version);
    expect(h.client.lobby()?.rooms[0]?.name).toBe('fresh fetch');
  });
});
