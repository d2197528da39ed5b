import type { VoiceStateView } from '@repo/discord-gateway';
import { DiscordRateLimitedError } from '@repo/discord-rest';
import type { RoomDeletedReason } from '@repo/protocol';
import type { Clock } from '@repo/platform';
import type { Logger } from 'pino';
import type { Session } from '../auth/session.ts';
import { AppError } from '../errors.ts';
import { type Room, membershipOf } from './room.ts';
import { parseRoomName } from './room-creation.ts';
import type { RoomDiscordOf } from './room-discord.ts';
import type { RoomEvents } from './room-events.ts';
import { hostOverwrite } from './room-in-discord.ts';
import type { RoomStore } from './room-store.ts';

export const NOT_HOST_MESSAGE = 'Only the room’s host can do this.';
export const CONFLICT_MESSAGE = 'Someone else changed this room at the same moment. Try again.';

/**
 * How long a control holds its room's lease without writing. Every write renews it, so this bounds
 * one Discord call (15 s per attempt in discord-rest, and rate-limit waits under 30 s), not a whole
 * control; an instance that dies holding it blocks the room's controls (409) this long at most.
 */
export const CONTROL_LEASE_MS = 60_000;
/** GUILD_MEMBER_REMOVE has nobody to say "try again" to: it waits for a busy room this often, this long apart. */
const MEMBER_GONE_ATTEMPTS = 5;
const MEMBER_GONE_RETRY_MS = 1_000;

/** Renews the control's lease before a write; throws 409 `conflict` when it was lost (nothing more may be written). */
type Step = () => Promise<void>;

/** Discord lets a channel's name (or topic) change twice per 10 minutes (discord-api-docs #1900, #2760). */
export function renameLimitMessage(retryAfterSeconds: number): string {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Discord lets a channel be renamed twice every 10 minutes. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}

export interface RoomHostControlsOptions {
  store: RoomStore;
  /** The room's server's Discord side. */
  discordOf: RoomDiscordOf;
  events: RoomEvents;
  voice: VoiceStateView;
  clock: Clock;
  log: Logger;
  /** The room for one of its members (404 unknown or closed, 403 not theirs): RoomService.getForMember. */
  roomFor(roomId: string, userId: string): Promise<Room>;
  closeFor(roomId: string, reason: RoomDeletedReason): Promise<void>;
}

/**
 * The host's controls and a member's leaving (issue 19), part of RoomService. Discord is written
 * first and the store last, every Discord step idempotent: a failure half-way changes nothing the
 * room's people see, and the same request again finishes the job (Discord is what a restart reads
 * back, room-in-discord.ts).
 *
 * One control at a time per room: queued in this process (two clicks wait for each other), and
 * across instances by the room's lease in the store (RoomStore.acquireControl): a control that
 * finds another instance's control running answers 409 `conflict` and writes nothing; every write
 * renews the lease first, so a control whose lease expired and was taken stops before its next
 * write. Two controls can therefore never interleave their Discord writes and store steps.
 */
export class RoomHostControls {
  readonly #o: RoomHostControlsOptions;
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: RoomHostControlsOptions) {
    this.#o = options;
  }

  /** The channel is renamed in Discord, then the room; Discord's rename limit is a 429 that changes nothing. */
  rename(session: Session, roomId: string, rawName: unknown): Promise<Room> {
    const name = parseRoomName(rawName);
    return this.#exclusive(roomId, async (step) => {
      const room = await this.#hostRoom(session, roomId);
      if (room.name === name) return room;
      await step();
      try {
        await (await this.#o.discordOf(room.guildId)).renameChannel(room.channelId, name);
      } catch (error) {
        throw renameRefusal(error);
      }
      await step();
      return this.#updated(roomId, { name }, room);
    });
  }

  setLocked(session: Session, roomId: string, locked: boolean): Promise<Room> {
    return this.#exclusive(roomId, async (step) => {
      const room = await this.#hostRoom(session, roomId);
      if (room.locked === locked) return room;
      await step();
      await (await this.#o.discordOf(room.guildId)).writeRoleState(room.id, room.roleId, { linkGeneration: room.linkGeneration, locked });
      await step();
      return this.#updated(roomId, { locked }, room);
    });
  }

  /**
   * Every link made so far stops working, and the removed may be invited again: the generation in
   * the role's name first (from then on a restart refuses the old links), then the bars go, then the
   * store. A failure after the first step leaves the old links working until the retry finishes.
   */
  rotateLinks(session: Session, roomId: string): Promise<Room> {
    return this.#exclusive(roomId, async (step) => {
      const room = await this.#hostRoom(session, roomId);
      const linkGeneration = room.linkGeneration + 1;
      await step();
      await (await this.#o.discordOf(room.guildId)).writeRoleState(room.id, room.roleId, { linkGeneration, locked: room.locked });
      await step();
      await (await this.#o.discordOf(room.guildId)).unbar(room.channelId, room.barred);
      await step();
      const updated = await this.#o.store.update(roomId, { linkGeneration, barred: [] });
      if (!updated) throw closed();
      this.#o.log.info({ roomId, linkGeneration }, 'room links made new');
      // Every page showing a link (players hold the player link too) fetches the new ones on room.updated.
      await this.#o.events.updated(updated);
      return updated;
    });
  }

  /** A player or spectator out, barred until the links are made new (their links answer 403 `removed`). */
  remove(session: Session, roomId: string, targetId: string): Promise<void> {
    return this.#exclusive(roomId, async (step) => {
      const room = await this.#hostRoom(session, roomId);
      if (targetId === room.creatorId) throw new AppError('validation', 'Hand over hosting first, or close the room.', { reason: 'cannot_remove_host' });
      const membership = membershipOf(room, targetId);
      if (membership === null) throw notInRoom();
      // The bar first: from then on they cannot get back into voice by hand while the rest runs.
      await step();
      const discord = await this.#o.discordOf(room.guildId);
      await discord.bar(room.channelId, targetId);
      try {
        if (membership === 'player') await this.#giveBackVoice(room, targetId, 'removed', step);
        await step();
        await this.#o.store.removeParticipant(roomId, targetId, { bar: true });
      } catch (error) {
        // Still seated in the store: the bar goes too, or they would see a channel they cannot join.
        await discord.unbar(room.channelId, [targetId]).catch((undo: unknown) =>
          this.#o.log.error({ err: undo, roomId, userId: targetId }, 'could not lift the bar of a removal that failed half-way'),
        );
        throw error;
      }
      this.#o.log.info({ roomId, userId: targetId, membership }, 'removed from the room by its host');
      await this.#told(roomId, targetId, 'removed');
    });
  }

  /**
   * A member gives their seat back. The host's hosting passes to the next player in seat order
   * first; a host who is the only player closes the room.
   */
  leave(session: Session, roomId: string): Promise<void> {
    return this.#exclusive(roomId, async (step) => {
      let room = await this.#o.roomFor(roomId, session.userId);
      if (room.creatorId === session.userId) {
        const next = room.players.find((userId) => userId !== session.userId);
        if (next === undefined) {
          await this.#o.closeFor(roomId, 'closed');
          return;
        }
        room = await this.#handOverTo(room, next, step);
      }
      if (room.players.includes(session.userId)) await this.#giveBackVoice(room, session.userId, 'left', step);
      await step();
      await this.#o.store.removeParticipant(roomId, session.userId);
      this.#o.log.info({ roomId, userId: session.userId }, 'left the room');
      await this.#told(roomId, session.userId, 'left');
    });
  }

  /** Hosting to a seated player: the Discord mark moves, then the room's host. */
  handOver(session: Session, roomId: string, targetId: string): Promise<Room> {
    return this.#exclusive(roomId, async (step) => {
      const room = await this.#hostRoom(session, roomId);
      if (targetId === room.creatorId) return room;
      const membership = membershipOf(room, targetId);
      if (membership === 'spectator') throw new AppError('validation', 'Only a player can host: spectators have no seat.', { reason: 'not_a_player' });
      if (membership === null) throw notInRoom();
      return this.#handOverTo(room, targetId, step);
    });
  }

  /**
   * Someone left the guild (GUILD_MEMBER_REMOVE): they are no longer a player or spectator
   * anywhere. A host's rooms pass to their next player, or close when none is left.
   */
  async onMemberRemoved(userId: string, guildId?: string): Promise<void> {
    for (const room of await this.#o.store.listForUser(userId)) {
      // Leaving one server leaves only the rooms in that server.
      if (guildId !== undefined && room.guildId !== guildId) continue;
      try {
        await this.#memberGoneWhenFree(room.id, userId);
      } catch (error) {
        // One room's trouble (Discord refusing the mark) must not keep the others stale; the next start's read-back settles it.
        this.#o.log.error({ err: error, roomId: room.id, userId }, 'could not take a departed member out of a room');
      }
    }
  }

  /** A control running on another instance (409) is waited for: the departed must not keep a seat. */
  async #memberGoneWhenFree(roomId: string, userId: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#exclusive(roomId, (step) => this.#memberGone(roomId, userId, step));
        return;
      } catch (error) {
        if (!isConflict(error) || attempt >= MEMBER_GONE_ATTEMPTS) throw error;
        await this.#o.clock.sleep(MEMBER_GONE_RETRY_MS);
      }
    }
  }

  async #memberGone(roomId: string, userId: string, step: Step): Promise<void> {
    let room = await this.#o.store.get(roomId);
    if (!room || membershipOf(room, userId) === null) return;
    if (room.creatorId === userId) {
      const next = room.players.find((id) => id !== userId);
      if (next === undefined) {
        await this.#o.closeFor(roomId, 'closed');
        return;
      }
      room = await this.#handOverTo(room, next, step);
      this.#o.log.info({ roomId, formerHost: userId, hostId: next }, 'the host left the Discord server: hosting passed on');
    }
    await step();
    await this.#o.store.removeParticipant(roomId, userId);
    // Before the update goes out: nothing of the room published from here on reaches them.
    await this.#o.events.revoke(roomId, userId);
    const updated = await this.#o.store.get(roomId);
    if (updated) await this.#o.events.updated(updated);
  }

  // ---- internals ---------------------------------------------------------------------------------

  async #hostRoom(session: Session, roomId: string): Promise<Room> {
    const room = await this.#o.roomFor(roomId, session.userId);
    if (room.creatorId !== session.userId) throw new AppError('forbidden', NOT_HOST_MESSAGE, { reason: 'not_host' });
    return room;
  }

  /** The new host's mark, the old one's removed (a crash between leaves two: the read-back keeps the first seated), then the store. */
  async #handOverTo(room: Room, newHostId: string, step: Step): Promise<Room> {
    await step();
    await (await this.#o.discordOf(room.guildId)).applyHostMarks(room.channelId, [{ put: hostOverwrite(newHostId) }, { remove: room.creatorId }]);
    await step();
    const result = await this.#o.store.setHost(room.id, newHostId);
    if (result === 'missing') throw closed();
    if (result === 'not_player') throw notInRoom();
    const updated = await this.#o.store.get(room.id);
    if (!updated) throw closed();
    this.#o.log.info({ roomId: room.id, formerHost: room.creatorId, hostId: newHostId }, 'room hosting handed over');
    await this.#o.events.updated(updated);
    await this.#o.events.lobbies(updated);
    return updated;
  }

  /** A player's role goes, and they leave the room's voice channel if they are in it. */
  async #giveBackVoice(room: Room, userId: string, why: 'left' | 'removed', step: Step): Promise<void> {
    await step();
    await (await this.#o.discordOf(room.guildId)).removePlayer(userId, room.roleId, why);
    if (this.#o.voice.channelOf(room.guildId, userId) !== room.channelId) return;
    await step();
    await (await this.#o.discordOf(room.guildId)).disconnect(userId);
  }

  /** After someone's seat is gone: their tabs lose the room (saying why), everyone else sees it, lobbies follow. */
  async #told(roomId: string, userId: string, reason: 'left' | 'removed'): Promise<void> {
    await this.#o.events.revoke(roomId, userId, reason);
    const updated = await this.#o.store.get(roomId);
    if (updated) {
      await this.#o.events.updated(updated);
      await this.#o.events.lobbies(updated);
    }
    await this.#o.events.lobby(userId);
  }

  async #updated(roomId: string, patch: Pick<Partial<Room>, 'name' | 'locked'>, before: Room): Promise<Room> {
    const updated = await this.#o.store.update(roomId, patch);
    if (!updated) throw closed();
    this.#o.log.info({ roomId, ...patch, was: { name: before.name, locked: before.locked } }, 'room changed by its host');
    await this.#o.events.updated(updated);
    if (patch.name !== undefined) await this.#o.events.lobbies(updated);
    return updated;
  }

  /** Queued behind this process's other controls of the room, then run under the room's lease. */
  #exclusive<T>(roomId: string, job: (step: Step) => Promise<T>): Promise<T> {
    const previous = this.#queues.get(roomId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.#leased(roomId, job));
    this.#queues.set(roomId, run);
    const forget = () => {
      if (this.#queues.get(roomId) === run) this.#queues.delete(roomId);
    };
    run.then(forget, forget);
    return run;
  }

  async #leased<T>(roomId: string, job: (step: Step) => Promise<T>): Promise<T> {
    const { store, log } = this.#o;
    const token = await store.acquireControl(roomId, CONTROL_LEASE_MS);
    if (token === null) throw conflict();
    const step: Step = async () => {
      if (await store.renewControl(roomId, token, CONTROL_LEASE_MS)) return;
      log.warn({ roomId }, 'a room control lost its lease to another instance: stopped before its next write');
      throw conflict();
    };
    try {
      return await job(step);
    } finally {
      // A lease that cannot be released expires by itself (CONTROL_LEASE_MS).
      await store.releaseControl(roomId, token).catch((error: unknown) => log.error({ err: error, roomId }, 'could not release a room control lease'));
    }
  }
}

/**
 * Discord's rename limit (2 per 10 minutes per channel) answers 429 with a retry_after of minutes,
 * which the REST client does not wait through (longer than maxRateLimitWaitMs): our 429 with Discord's
 * wait. A global 429 is Discord being busy, not the rename limit: left to the usual mapping.
 */
function renameRefusal(error: unknown): unknown {
  if (!(error instanceof DiscordRateLimitedError) || error.global) return error;
  const retryAfterSeconds = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
  return new AppError('rate_limited', renameLimitMessage(retryAfterSeconds), { cause: error, reason: 'rename_rate_limited', retryAfterSeconds, retryable: true });
}

function conflict(): AppError {
  return new AppError('conflict', CONFLICT_MESSAGE, { reason: 'conflict', retryable: true });
}

function isConflict(error: unknown): boolean {
  return error instanceof AppError && error.options.reason === 'conflict';
}

function notInRoom(): AppError {
  return new AppError('not_found', 'This person is not in the room.', { reason: 'not_in_room' });
}

function closed(): AppError {
  return new AppError('gone', 'This room has been closed.', { reason: 'room_closed' });
}
