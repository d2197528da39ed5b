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
    private readonly rooms: Pick<RoomService, 'voiceChanged' | 'onChannelDeleted' | 'onMemberRemoved'>,
    private readonly cleanup: Pick<CleanupJob, 'noteActivity'>,
    private readonly log: Logger,
  ) {}

  handle(event: GatewayDomainEvent): Promise<void> {
    this.#queue = this.#queue.then(
      () => this.#route(event),
    ).catch((error: unknown) => this.log.error({ err: error, event: event.type }, 'routing a gateway event failed'));
    return this.#queue;
  }

  async #route(event: GatewayDomainEvent): Promise<void> {
    switch (event.type) {
      case 'voice.joined':
      case 'voice.updated':
      case 'voice.left': {
        const roomId = await this.rooms.voiceChanged(event);
        if (roomId !== null && event.type === 'voice.joined') await this.cleanup.noteActivity(roomId);
        return;
      }
      case 'channel.deleted':
        await this.rooms.onChannelDeleted(event.channelId);
        return;
      case 'member.removed':
        await this.rooms.onMemberRemoved(event.userId, event.guildId);
        return;
    }
  }
}
