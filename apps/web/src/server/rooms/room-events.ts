import type { RevocationReason, RoomDeletedReason, RoomListing, VoiceMember } from '@repo/protocol';
import { type EventBus, userTopic } from '../realtime/event-bus.ts';
import { type Room, type RoomView, roomInfo } from './room.ts';
import type { RoomViews } from './room-views.ts';

/**
 * A room's stream on the event bus: its events in order, numbered per room. Hubs subscribe a
 * connection to it by the room id the client names (`subscribe {room}`).
 */
export const roomTopic = (roomId: string) => `room:${roomId}`;

/** What a voice change in a room's channel tells the room's viewers. */
export type VoiceChange =
  | { kind: 'voice.joined' | 'voice.updated'; member: VoiceMember; receivedAt: number }
  | { kind: 'voice.left'; userId: string; receivedAt: number };

/**
 * Everything the rooms part tells the hubs, typed from the protocol's events (the bus takes
 * nothing else): a room's stream, a member's lobby list, and the end of someone's access.
 * Only RoomService (and the modules it is made of) publishes through it.
 */
export class RoomEvents {
  constructor(
    private readonly bus: EventBus,
    private readonly views: Pick<RoomViews, 'people'>,
    /** The lobby list of one user, as the lobby shows it. */
    private readonly listingsOf: (userId: string) => Promise<RoomListing[]>,
  ) {}

  async updated(room: RoomView): Promise<void> {
    await this.bus.publish(roomTopic(room.id), 'room.updated', { roomId: room.id, room: roomInfo(room), ...this.views.people(room) });
  }

  async voice(roomId: string, change: VoiceChange): Promise<void> {
    const topic = roomTopic(roomId);
    if (change.kind === 'voice.left') await this.bus.publish(topic, 'voice.left', { roomId, userId: change.userId, receivedAt: change.receivedAt });
    else await this.bus.publish(topic, change.kind, { roomId, member: change.member, receivedAt: change.receivedAt });
  }

  /** The same as `voice`, published before it returns; false (nothing published) when the bus cannot. */
  voiceNow(roomId: string, change: VoiceChange): boolean {
    if (!this.bus.publishNow) return false;
    const topic = roomTopic(roomId);
    if (change.kind === 'voice.left') this.bus.publishNow(topic, 'voice.left', { roomId, userId: change.userId, receivedAt: change.receivedAt });
    else this.bus.publishNow(topic, change.kind, { roomId, member: change.member, receivedAt: change.receivedAt });
    return true;
  }

  /** Whether `voiceNow` can publish (the bus delivers in this process). */
  get publishesNow(): boolean {
    return this.bus.publishNow !== undefined;
  }

  async closing(roomId: string, secondsLeft: number, closingAt: number): Promise<void> {
    await this.bus.publish(roomTopic(roomId), 'room.closing', { roomId, secondsLeft, closingAt });
  }

  async closingCancelled(roomId: string): Promise<void> {
    await this.bus.publish(roomTopic(roomId), 'room.closing.cancelled', { roomId });
  }

  /** The last event of a room's stream; every subscription ends right after it (the hub knows no room events). */
  async deleted(roomId: string, reason: RoomDeletedReason): Promise<void> {
    await this.bus.publish(roomTopic(roomId), 'room.deleted', { roomId, reason });
    await this.bus.revoke({ topic: roomTopic(roomId), userId: null, access: 'closed' });
  }

  /** Ends a user's live view of a room on every instance: their tabs get the answer a subscribe would get now. */
  async revoke(roomId: string, userId: string, reason?: RevocationReason): Promise<void> {
    await this.bus.revoke({ topic: roomTopic(roomId), userId, access: 'denied', ...(reason ? { reason } : {}) });
  }

  /** Everyone who has the room in their lobby list gets their fresh list. */
  async lobbies(room: Room): Promise<void> {
    for (const userId of new Set([room.creatorId, ...room.players, ...room.spectators])) await this.lobby(userId);
  }

  async lobby(userId: string): Promise<void> {
    await this.bus.publish(userTopic(userId), 'lobby.rooms', { rooms: await this.listingsOf(userId) });
  }
}
