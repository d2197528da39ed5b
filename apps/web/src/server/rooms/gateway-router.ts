import type { GatewayDomainEvent } from '@repo/discord-gateway';
import type { Logger } from 'pino';
import type { CleanupJob } from './cleanup-job.ts';
import type { RoomService } from './room-service.ts';

/**
 * Flow 1's middle: Gateway domain events → room events. Events are handled strictly one after
 * another (a queue), because looking up a room is asynchronous and order is the whole point.
 * A voice change that arrives with nothing queued is handled before `handle` returns when the
 * rooms can answer at once (one process: RoomService.voiceChangedNow), without the queue's hops.
 */
export class GatewayRouter {
  #queue: Promise<void> = Promise.resolve();
  /** Events (and activity notes) queued and not finished: the synchronous path only runs at 0. */
  #queued = 0;

  constructor(
    private readonly rooms: Pick<RoomService, 'voiceChanged' | 'onChannelDeleted' | 'onMemberRemoved'> & Partial<Pick<RoomService, 'voiceChangedNow'>>,
    private readonly cleanup: Pick<CleanupJob, 'noteActivity'>,
    private readonly log: Logger,
  ) {}

  handle(event: GatewayDomainEvent): Promise<void> {
    if (this.#queued === 0 && this.rooms.voiceChangedNow && (event.type === 'voice.joined' || event.type === 'voice.updated' || event.type === 'voice.left')) {
      let roomId: string | null | undefined;
      try {
        roomId = this.rooms.voiceChangedNow(event);
      } catch (error) {
        this.#failed(error, event);
        return this.#queue;
      }
      if (roomId === undefined) return this.#enqueue(event, () => this.#route(event));
      if (roomId !== null && event.type === 'voice.joined') return this.#enqueue(event, () => this.cleanup.noteActivity(roomId));
      return this.#queue;
    }
    return this.#enqueue(event, () => this.#route(event));
  }

  #enqueue(event: GatewayDomainEvent, work: () => Promise<void>): Promise<void> {
    this.#queued++;
    this.#queue = this.#queue
      .then(work)
      .catch((error: unknown) => this.#failed(error, event))
      .finally(() => void this.#queued--);
    return this.#queue;
  }

  #failed(error: unknown, event: GatewayDomainEvent): void {
    this.log.error({ err: error, event: event.type }, 'routing a gateway event failed');
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
