import type { GatewayDomainEvent } from '@repo/discord-gateway';
import type { Logger } from 'pino';
import type { CleanupJob } from './cleanup-job.ts';
import type { RoomService } from './room-service.ts';

/**
 * Flow 1's middle: Gateway domain events → room events. Events are handled strictly one after
 * another (a queue), because looking up a room is asynchronous and order is the whole point.
 */
export class GatewayRouter {
  #queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly rooms: RoomService,
    private readonly cleanup: CleanupJob,
    private readonly log: Logger,
  ) {}

  handle(event: GatewayDomainEvent): Promise<void> {
    this.#queue = this.#queue.then(
      () => this.#route(event),
    ).catch((error: unknown) => this.log.error({ err: error, event: event.type }, 'routing a gateway event failed'));
    return this.#queue;
  }

  async #route(event: GatewayDomainEvent): Promise<void> {
    const store = this.rooms.store;
    switch (event.type) {
      case 'voice.joined':
      case 'voice.updated': {
        const room = await store.findByChannel(event.channelId);
        if (!room) return;
        await this.rooms.publish(room.id, event.type, { member: this.rooms.voiceMember(room, event), receivedAt: event.receivedAt });
        if (event.type === 'voice.joined') await this.cleanup.noteActivity(room.id);
        return;
      }
      case 'voice.left': {
        const room = await store.findByChannel(event.previousChannelId);
        if (room) await this.rooms.publish(room.id, 'voice.left', { userId: event.userId, receivedAt: event.receivedAt });
        return;
      }
      case 'channel.deleted':
        await this.rooms.onChannelDeleted(event.channelId);
        return;
      case 'member.removed':
        await this.rooms.onMemberRemoved(event.userId);
        return;
    }
  }
}
