import type { VoiceJoinedEvent, VoiceLeftEvent, VoiceUpdatedEvent } from '@repo/discord-gateway';
import type { RoomView } from './room.ts';
import type { RoomEvents, VoiceChange } from './room-events.ts';
import type { RoomStore } from './room-store.ts';
import type { RoomViews } from './room-views.ts';

export type VoiceEvent = VoiceJoinedEvent | VoiceUpdatedEvent | VoiceLeftEvent;

/**
 * A voice change in a Discord channel (the Gateway router's per-event work, every mute and move):
 * when the channel is a room's, its viewers are told. Two ways to the same result: `changed`
 * through the store's and bus's promises (any store), and `changedNow`, done before it returns when
 * every part answers in this process (the memory store, site users and bus of one instance). The
 * second skips 4–5 promise hops per event; with Redis it declines and the router takes the first.
 */
export class RoomVoice {
  constructor(
    private readonly store: RoomStore,
    private readonly views: Pick<RoomViews, 'voiceMember' | 'voiceMemberNow'>,
    private readonly events: Pick<RoomEvents, 'voice' | 'voiceNow' | 'publishesNow'>,
  ) {}

  /** The room's id, or null when the channel is no room's. */
  async changed(event: VoiceEvent): Promise<string | null> {
    // The per-event lookup: a read-only record, not a copy (RoomStore.findByChannel).
    const room = await this.store.findByChannel(channelOf(event));
    if (!room) return null;
    const { receivedAt } = event;
    await this.events.voice(
      room.id,
      event.type === 'voice.left' ? { kind: event.type, userId: event.userId, receivedAt } : { kind: event.type, member: await this.views.voiceMember(room, event), receivedAt },
    );
    return room.id;
  }

  /**
   * The same answer as `changed`, with everything done before it returns; undefined, with nothing
   * done (reads only), when a part can only answer later: the caller then uses `changed`.
   */
  changedNow(event: VoiceEvent): string | null | undefined {
    if (!this.store.findByChannelNow || !this.events.publishesNow) return undefined;
    const room: RoomView | null = this.store.findByChannelNow(channelOf(event));
    if (!room) return null;
    const { receivedAt } = event;
    let change: VoiceChange;
    if (event.type === 'voice.left') change = { kind: event.type, userId: event.userId, receivedAt };
    else {
      const member = this.views.voiceMemberNow(room, event);
      if (member === undefined) return undefined;
      change = { kind: event.type, member, receivedAt };
    }
    this.events.voiceNow(room.id, change);
    return room.id;
  }
}

function channelOf(event: VoiceEvent): string {
  return event.type === 'voice.left' ? event.previousChannelId : event.channelId;
}
