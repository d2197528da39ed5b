import { describe, expect, it } from 'vitest';
import { SubscribeRefusals } from './envelope.ts';
import { ServerEvent, eventMessage, isRoomEvent } from './events.ts';
import { RoomEvent, type RoomInfo } from './rooms.ts';
import { voiceMember } from './testing.ts';

const room: RoomInfo = { id: 'abcdefghij', name: 'R', creatorId: 'u1', guildId: 'g', channelId: 'c', createdAt: 0, playerLimit: 4, closingAt: null, locked: false };
const member = voiceMember('u1', { username: 'alice' });
const stream = { roomId: room.id, seq: 1 };

describe('ServerEvent: every event the server sends, in one union', () => {
  it.each<ServerEvent>([
    { event: 'voice.joined', payload: { ...stream, member, receivedAt: 1_700_000_000_000 } },
    { event: 'voice.left', payload: { ...stream, userId: 'u1' } },
    { event: 'voice.updated', payload: { ...stream, member } },
    { event: 'room.updated', payload: { ...stream, room, players: [], spectators: [] } },
    { event: 'room.closing', payload: { ...stream, secondsLeft: 30, closingAt: 5 } },
    { event: 'room.closing.cancelled', payload: { ...stream } },
    { event: 'room.deleted', payload: { ...stream, reason: 'idle' } },
    { event: 'room.snapshot', payload: { roomId: room.id, room, players: [], spectators: [], voice: [member], seq: 0 } },
    { event: 'lobby.rooms', payload: { rooms: [] } },
    { event: 'gateway.status', payload: { live: false, state: 'RECONNECTING' } },
  ])('reads back $event as it was built', (event) => {
    expect(ServerEvent.parse(JSON.parse(JSON.stringify(eventMessage(event, 1))))).toEqual(event);
  });

  it('refuses a name outside the union and a payload that is not its event\'s', () => {
    expect(ServerEvent.safeParse({ event: 'voice.moved', payload: { ...stream, userId: 'u1' } }).success).toBe(false);
    expect(ServerEvent.safeParse({ event: 'voice.left ', payload: { ...stream, userId: 'u1' } }).success).toBe(false);
    expect(ServerEvent.safeParse({ event: 'voice.joined', payload: { ...stream, userId: 'u1' } }).success).toBe(false);
    expect(ServerEvent.safeParse({ event: 'lobby.rooms', payload: { rooms: [{ id: 'x' }] } }).success).toBe(false);
    // A room event without its stream position cannot be ordered: not readable.
    expect(ServerEvent.safeParse({ event: 'voice.left', payload: { roomId: room.id, userId: 'u1' } }).success).toBe(false);
  });

  it('carries receivedAt on voice events (optional, a time: not negative)', () => {
    const left = (receivedAt: unknown) => RoomEvent.safeParse({ event: 'voice.left', payload: { ...stream, userId: 'u1', receivedAt } });
    expect(left(0).success).toBe(true);
    expect(left(undefined).success).toBe(true);
    expect(left(-1).success).toBe(false);
    expect(left('1700000000000').success).toBe(false);
  });

  it('names the room stream\'s events, and only those, as numbered', () => {
    for (const option of RoomEvent.options) expect(isRoomEvent(option.shape.event.value)).toBe(true);
    for (const name of ['room.snapshot', 'lobby.rooms', 'gateway.status', '~revoke', 'voice.joined ', 'Voice.joined', 'room', '']) {
      expect(isRoomEvent(name)).toBe(false);
    }
  });
});

describe('SubscribeRefusals', () => {
  it('answers a closed room not_found and anything else forbidden, in error codes a client switches on', () => {
    expect(SubscribeRefusals.closed).toEqual({ code: 'not_found', error: 'This room has been closed.' });
    expect(SubscribeRefusals.denied).toEqual({ code: 'forbidden', error: 'You cannot watch this room.' });
  });
});
