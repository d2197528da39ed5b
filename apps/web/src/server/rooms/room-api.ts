import { RoomId } from '@repo/protocol';
import { z } from 'zod';
import type { Session } from '../auth/session.ts';
import { AppError } from '../errors.ts';
import { INVITE_TOKEN_MAX_LENGTH } from './invite-token.ts';
import { roomInfo } from './room.ts';
import type { RoomService } from './room-service.ts';

/**
 * The shapes of the rooms JSON API (documented in specs/rooms-api.md), shared by the /api routes
 * and the server functions the pages use: one service, two thin doors.
 */
/** `guildId`: the server to make the room in (default: the home server); GuildService checks it. */
export const CreateRoomBody = z.object({ name: z.unknown(), guildId: z.string().max(32).optional() });
export const RedeemBody = z.object({ token: z.string().min(1).max(INVITE_TOKEN_MAX_LENGTH) });

/** `PATCH /api/rooms/:id`: a new name, the lock, or both (nothing else). */
export const PatchRoomBody = z
  .strictObject({ name: z.unknown().optional(), locked: z.boolean().optional() })
  .refine((body) => body.name !== undefined || body.locked !== undefined, { message: 'Send a name, locked, or both.' });
export type PatchRoomBody = z.infer<typeof PatchRoomBody>;

/** `PUT /api/rooms/:id/host`. */
export const HandOverBody = z.strictObject({ userId: z.string().regex(/^\d{17,20}$/, 'not a user id') });

/** A user id in a path (`/people/:userId`): anything that is not a snowflake is nobody in the room. */
export function parsePersonId(value: string): string {
  if (!/^\d{17,20}$/.test(value)) throw new AppError('not_found', 'This person is not in the room.', { reason: 'not_in_room' });
  return value;
}

export function parseRoomId(value: string): string {
  const parsed = RoomId.safeParse(value);
  if (!parsed.success) throw new AppError('not_found', 'There is no such room.');
  return parsed.data;
}

export async function createRoom(rooms: RoomService, session: Session, name: unknown, guildId?: string) {
  const created = await rooms.create(session, name, guildId);
  return { room: roomInfo(created.room), inviteUrl: created.inviteUrl, spectatorUrl: created.spectatorUrl };
}

export async function roomDetails(rooms: RoomService, session: Session, roomId: string) {
  await rooms.getForMember(roomId, session.userId);
  const snapshot = await rooms.snapshot(roomId);
  if (!snapshot) throw new AppError('not_found', 'This room has been closed.');
  return snapshot;
}

/** Invite links for a room: players may share the player link; only the creator gets the spectator link. */
export async function roomInvites(rooms: RoomService, session: Session, roomId: string) {
  const room = await rooms.getForMember(roomId, session.userId);
  if (room.creatorId !== session.userId && !room.players.includes(session.userId)) {
    throw new AppError('forbidden', 'Spectators cannot invite players.');
  }
  return {
    inviteUrl: await rooms.inviteUrl(room, 'player'),
    spectatorUrl: room.creatorId === session.userId ? await rooms.inviteUrl(room, 'spectator') : null,
  };
}

/**
 * The host renames and/or locks the room. The rename goes first: it is the step Discord may refuse
 * (its rename limit), and then nothing has changed. They are two steps: a lock that fails after a
 * rename keeps the rename (rooms-api.md); the same request again finishes.
 */
export async function patchRoom(rooms: RoomService, session: Session, roomId: string, body: PatchRoomBody) {
  let room = body.name !== undefined ? await rooms.rename(session, roomId, body.name) : null;
  if (body.locked !== undefined) room = await rooms.setLocked(session, roomId, body.locked);
  return { room: roomInfo(room!) };
}

export async function handOver(rooms: RoomService, session: Session, roomId: string, userId: string) {
  return { room: roomInfo(await rooms.handOver(session, roomId, userId)) };
}

export async function redeemInvite(rooms: RoomService, session: Session, token: string) {
  const room = await rooms.redeem(session, token);
  return { room: roomInfo(room) };
}
