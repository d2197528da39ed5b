import type { Logger } from 'pino';
import type { Clock } from '@repo/platform';
import { CleanupDefaults } from './cleanup-defaults.ts';
import type { LeaderGuard } from './leader.ts';
import type { Room } from './room.ts';
import type { RoomService } from './room-service.ts';

export { CleanupDefaults };

/** What the job asks of the rooms part: it reads rooms and changes them only through RoomService's named methods. */
export type CleanupRooms = Pick<RoomService, 'list' | 'get' | 'markActive' | 'warnClosing' | 'cancelClosing' | 'closeFor'>;

export interface CleanupJobOptions {
  rooms: CleanupRooms;
  /** Whether anyone is in the room's voice channel or viewing its page right now. */
  isActive(room: Room): boolean;
  leader: LeaderGuard;
  clock: Clock;
  log: Logger;
  intervalMs?: number;
  idleAfterMs?: number;
  warningMs?: number;
  /** Called for each pass this instance runs (metrics). */
  onRun?(): void;
}

/**
 * Closes idle rooms (R-ROOM7): every 5 minutes, rooms idle for an hour get a 30-second warning;
 * activity during it cancels the warning, otherwise the room is closed like a creator's close.
 */
export class CleanupJob {
  readonly #o: Required<Omit<CleanupJobOptions, 'isActive' | 'onRun'>> & Pick<CleanupJobOptions, 'isActive' | 'onRun'>;
  readonly #warnings = new Map<string, () => void>();
  #stop: (() => void) | undefined;
  #runs = 0;

  constructor(options: CleanupJobOptions) {
    this.#o = {
      intervalMs: CleanupDefaults.intervalMs,
      idleAfterMs: CleanupDefaults.idleAfterMs,
      warningMs: CleanupDefaults.warningMs,
      ...options,
    };
  }

  /** Passes this instance ran (it was the leader); the others skip theirs. */
  get runs(): number {
    return this.#runs;
  }

  start(): void {
    this.#stop ??= this.#o.clock.setInterval(() => void this.runOnce(), this.#o.intervalMs);
  }

  stop(): void {
    this.#stop?.();
    this.#stop = undefined;
    for (const cancel of this.#warnings.values()) cancel();
    this.#warnings.clear();
  }

  /** One pass over every room; a no-op on instances that are not the leader. */
  async runOnce(): Promise<void> {
    const ran = await this.#o.leader.runExclusive('cleanup', this.#o.intervalMs, async () => {
      this.#runs++;
      this.#o.onRun?.();
      const now = this.#o.clock.now();
      for (const room of await this.#o.rooms.list()) {
        try {
          await this.#check(room, now);
        } catch (error) {
          this.#o.log.error({ err: error, roomId: room.id }, 'cleanup failed for a room');
        }
      }
    });
    if (!ran) this.#o.log.debug('cleanup skipped: another instance is running it');
  }

  async #check(room: Room, now: number): Promise<void> {
    if (this.#o.isActive(room)) {
      await this.#o.rooms.markActive(room.id, now);
      return;
    }
    if (room.closingAt !== null) {
      // A warning from a run that did not finish (restart): honour it.
      if (!this.#warnings.has(room.id)) this.#schedule(room.id, Math.max(0, room.closingAt - now), room.closingAt - this.#o.warningMs);
      return;
    }
    if (now - room.lastActiveAt < this.#o.idleAfterMs) return;

    const closingAt = now + this.#o.warningMs;
    await this.#o.rooms.warnClosing(room.id, { closingAt, secondsLeft: Math.round(this.#o.warningMs / 1000) });
    this.#o.log.info({ roomId: room.id, idleForMs: now - room.lastActiveAt }, 'idle room: closing warning sent');
    this.#schedule(room.id, this.#o.warningMs, now);
  }

  #schedule(roomId: string, delayMs: number, warnedAt: number): void {
    const cancel = this.#o.clock.setTimeout(() => {
      this.#warnings.delete(roomId);
      void this.#finish(roomId, warnedAt).catch((error: unknown) => this.#o.log.error({ err: error, roomId }, 'closing an idle room failed'));
    }, delayMs);
    this.#warnings.set(roomId, cancel);
  }

  async #finish(roomId: string, warnedAt: number): Promise<void> {
    const room = await this.#o.rooms.get(roomId);
    if (!room || room.closingAt === null) return;
    if (this.#o.isActive(room) || room.lastActiveAt > warnedAt) {
      await this.cancel(roomId);
      return;
    }
    await this.#o.rooms.closeFor(roomId, 'idle');
  }

  /** Activity during a warning: keep the room, tell its viewers. */
  async cancel(roomId: string): Promise<void> {
    this.#warnings.get(roomId)?.();
    this.#warnings.delete(roomId);
    if (await this.#o.rooms.cancelClosing(roomId)) this.#o.log.info({ roomId }, 'idle room kept: activity during the warning');
  }

  /** Something happened in a room (voice join, a viewer arrived): it is not idle. */
  async noteActivity(roomId: string): Promise<void> {
    const room = await this.#o.rooms.get(roomId);
    if (!room) return;
    if (room.closingAt !== null) await this.cancel(roomId);
    else await this.#o.rooms.markActive(roomId);
  }
}
