import { ROOM_PLAYER_LIMIT, ROOM_VIEWER_LIMIT } from '@repo/protocol';
import type { Logger } from 'pino';
import type { Session } from '../auth/session.ts';
import { AppError } from '../errors.ts';
import { INVITE_REPLACED_MESSAGE, type InviteTarget, REMOVED_MESSAGE, ROOM_LOCKED_MESSAGE } from './invite-check.ts';
import { type Room, membershipOf } from './room.ts';
import { profileOf } from './room-creation.ts';
import type { RoomDiscordOf } from './room-discord.ts';
import type { RoomEvents } from './room-events.ts';
import type { RoomStore, SeatRefusal } from './room-store.ts';

const LIMITS = { players: ROOM_PLAYER_LIMIT, viewers: ROOM_VIEWER_LIMIT };

/**
 * Whether a player may have a seat in `guildId`'s rooms: null for a member of the server; for
 * someone the server's admins let the app add, the step that adds them (`guilds.join`), taken only
 * once the seat is theirs; a refusal (join the server first) is thrown.
 */
export type Admission = (session: Session, guildId: string) => Promise<(() => Promise<void>) | null>;

/**
 * Taking a seat with an invite (R-ROOM3, R-ROOM9), part of RoomService: a player seat is stored
 * first (so two people cannot take the last one), then the player is added to the room's server if
 * they must be, then the voice role is granted; either step failing gives the seat back. A seat
 * refused (full, locked, …) therefore adds nobody to the server.
 */
export class RoomSeating {
  constructor(
    private readonly store: RoomStore,
    private readonly discordOf: RoomDiscordOf,
    private readonly events: RoomEvents,
    private readonly log: Logger,
    /** A player seat needs the room's server (issue 17): GuildService.admission. */
    private readonly admission: Admission = async () => null,
  ) {}

  /**
   * Redeems an opened invite: players get the voice role, at most 4; a spectator gets nothing in
   * Discord, so only a player must be in the room's server: one who cannot be is refused before
   * the seat is taken, one who may be added is added after. The fifth player gets 409, no role, and
   * is not added to the server.
   */
  async redeem(session: Session, { claims, room }: InviteTarget): Promise<Room> {
    const membership = membershipOf(room, session.userId);
    if (membership === 'creator' || membership === 'player') return room;
    if (claims.kind === 'spectator' && membership === 'spectator') return room;

    const join = claims.kind === 'player' ? await this.admission(session, room.guildId) : null;
    // The lock, the bars and the link's generation once more, in the step that takes the seat: the
    // host may have used a control since the link was opened.
    const result = await this.store.addParticipant(room.id, session.userId, claims.kind, profileOf(session), LIMITS, { linkGeneration: claims.gen });
    if (result === 'missing') throw new AppError('gone', 'This room has been closed.', { reason: 'room_closed' });
    if (result === 'full') throw await this.#refusal(room.id, claims.kind);
    if (result === 'room_locked' || result === 'removed' || result === 'invite_replaced') throw refusedByHost(result);
    if (claims.kind === 'player' && result === 'added') {
      try {
        if (join) await join();
        await (await this.discordOf(room.guildId)).addPlayer(session.userId, room.roleId);
      } catch (error) {
        // The user's own error is the one to report; a failed undo is for the operator.
        await this.#giveBackSeat(room.id, session, membership).catch((undo: unknown) =>
          this.log.error({ err: undo, roomId: room.id, userId: session.userId }, 'could not give back the seat of a failed join'),
        );
        throw error;
      }
    }
    this.log.info({ roomId: room.id, userId: session.userId, kind: claims.kind }, 'joined room');
    const updated = (await this.store.get(room.id)) ?? room;
    await this.events.updated(updated);
    await this.events.lobbies(updated);
    return updated;
  }

  /**
   * Names the limit that refused the seat, not the link's kind: a player link can meet the viewer
   * limit (16 people, players and spectators together) with seats still free. The store answers
   * only "full", so the room is read again; the players' limit is the one it checks first.
   */
  async #refusal(roomId: string, kind: 'player' | 'spectator'): Promise<AppError> {
    const now = await this.store.get(roomId);
    if (!now) return new AppError('gone', 'This room has been closed.', { reason: 'room_closed' });
    if (kind === 'player' && now.players.length >= ROOM_PLAYER_LIMIT) {
      return new AppError('conflict', `Room full: ${ROOM_PLAYER_LIMIT} of ${ROOM_PLAYER_LIMIT} players are in.`, { reason: 'room_full' });
    }
    return new AppError('conflict', `This room has as many people as it can take: ${ROOM_VIEWER_LIMIT} of ${ROOM_VIEWER_LIMIT} players and spectators.`, {
      reason: 'viewers_full',
    });
  }

  /**
   * Undoes a player seat whose server admission or role grant failed: a spectator is a spectator
   * again, anyone else is out. A tab of theirs may have subscribed while the seat was held (the seat
   * is stored before either step), so the access it gave ends with it.
   */
  async #giveBackSeat(roomId: string, session: Session, before: 'spectator' | null): Promise<void> {
    await this.store.removeParticipant(roomId, session.userId);
    if (before === 'spectator') {
      // Not atomic with the removal: should the freed viewer place be taken in between, they are out.
      const restored = await this.store.addParticipant(roomId, session.userId, 'spectator', profileOf(session), LIMITS, 'given_back');
      if (restored === 'added') return;
    }
    await this.events.revoke(roomId, session.userId);
  }
}

/** The same answers as invite-check.ts gives when the link is opened. */
function refusedByHost(refusal: SeatRefusal): AppError {
  if (refusal === 'invite_replaced') return new AppError('gone', INVITE_REPLACED_MESSAGE, { reason: 'invite_replaced' });
  if (refusal === 'removed') return new AppError('forbidden', REMOVED_MESSAGE, { reason: 'removed' });
  return new AppError('forbidden', ROOM_LOCKED_MESSAGE, { reason: 'room_locked' });
}
